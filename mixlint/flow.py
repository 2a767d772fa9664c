"""What keeps a value "unchanged" on its way into a payload (the catalog's flow rule)."""

from __future__ import annotations

# String methods whose result is the same data: a lower-cased e-mail address is
# still the address; a length or a domain is not (those are not listed).
KEEPING_STRING_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "center",
        "decode",
        "encode",
        "expandtabs",
        "format_map",
        "ljust",
        "lower",
        "lstrip",
        "normalize",
        "removeprefix",
        "removesuffix",
        "replace",
        "rjust",
        "rstrip",
        "strip",
        "swapcase",
        "title",
        "upper",
        "zfill",
    }
)
