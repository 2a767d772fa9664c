# Monthly revenue report from the 2016 shop. Superseded by billing/export.py,
# kept until finance signs off the new numbers.
import csv
import sys

from billing.models import Invoice


def main(path):
    with open(path, "wb") as fh:
        writer = csv.writer(fh)
        for invoice in Invoice.objects.all():
            writer.writerow([invoice.number, invoice.amount, invoice.paid_at])
    print "wrote %s" % path


if __name__ == "__main__":
    main(sys.argv[1])
