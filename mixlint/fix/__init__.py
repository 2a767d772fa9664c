"""Fixing findings: ``mixlint check --fix``, ``--diff``, and the edits reports show.

The flow reads top-down, and only this package ever rewrites code:

* a rule attaches a ``Fix`` to its finding: what to change where, as data built from the
  model's exact spans (``mixlint.fix.changes``; no syntax tree there);
* ``mixlint.fix.codemod`` re-parses a file with libcst, finds each change's node by its
  span and transforms it, adding the imports a change needs with libcst's
  ``AddImportsVisitor``; every byte outside the changed nodes is kept;
* ``mixlint.fix.files`` applies the fixes of a run: it leaves alone a file that changed
  since it was analysed, checks that the result still parses, and writes it atomically
  (or prints a diff); ``plan_edits`` turns each finding's fix into the text edits that
  the SARIF and JSON reports carry.
"""
