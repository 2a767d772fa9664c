"""The prefilter: which files can matter, decided from their text, so that the rest is never parsed.

Its modules, in the order a run uses them: ``scan`` (one file's text), ``references``
(what a file's code refers to and uses), ``reach`` (what matters over the parsed
files), ``selector`` (the rounds).

libcst is thorough but slow, and in a large project almost no file tracks
anything. A file is parsed only when something in its text could make a
difference to the findings. The first reasons are read from the file alone
(``scan``, cached by content hash):

- *strong*: it names the SDK (``mixpanel`` in any case: the SDK module and
  classes, ``flask_mixpanel``, ``mixpanel_utils``, the API hosts), or it calls
  an SDK method (``.track``, ``.people_set`` ...) next to a name the extractor
  takes for a client by name alone (``mp``, ``_mp``, ``mp_client``);
- *data*: a deletion path or the GDPR API (``people_delete``,
  ``data-deletions``, ``/api/app/data-``), a wrapper declared in configuration;
- *comment*: an inline suppression (``# mixlint: ...``, ``# noqa: MX...``), whose
  MX002 needs the file's lines;
- *sniff*: it may not parse at all (undecodable, NUL bytes, too large; or it has
  Python 2 ``print`` / ``exec`` statements, ``except X, e:``, ``ur''`` strings or
  merge-conflict markers, and CPython's parser confirms the syntax error), so that
  MX001 is reported as before.

The first round also parses the packages between those: whose ``__init__`` one of
them imports and which import one of them by name (``go_betweens``: a package
re-exporting its client), which would join a round later. Parsing more than
needed never changes the findings, only the time.

Then, in rounds until nothing changes (``Selector``), the files parsed so far
are resolved and extracted as usual, and their *relevant* names are found: the
functions that contain tracking calls or build SDK objects, their callers (all
the way up, for MX201), factories returning clients, module globals and class
attributes that hold clients, SDK names or strings naming Mixpanel, classes
with any of these, and the modules exporting them (also by ``import *``). An
unparsed file joins when one of its import statements (read from the text,
relative imports resolved as Python does) reaches a relevant name or module,
and its code uses it (``References``, from CPython's syntax tree): writes the
name through what the statement binds (``Tracker``, ``tracking.Tracker``,
``app.tracking.Tracker`` after ``import app.tracking``; a module bound by a name
is used through its own relevant names, or where it is stored or returned), or
re-exports it and another file reads it from there (``from app.telemetry import
tracking``). A file that imports the tracker's module and writes none of its
relevant names cannot reach them.

And the values the rules read are followed into the files they come from: the
expressions of the tracking calls (at a wrapper's call site, the arguments that
flow into the wrapper), of the SDK objects and of requests to the GDPR API, and
every call in a file with deletion words or declared wrappers; name by name
through globals, imports and re-exports into what a name holds (a global's
values, a function's results, a class's bases), so that constants,
pseudonymisers and helpers are all there. What a module merely refers to
elsewhere (a function's body, a class's attributes, the arguments of a call
that reaches tracking without passing them on) is not followed: no rule reads it.
What the resolver reads to classify a call that may reach a relevant name is
there too: the packages its chain of attributes goes through, as the extractor
finds them (an unparsed module that is no such package holds nothing relevant).

Everything another file can contribute to a finding reaches it through an
import statement naming it, which is why the result equals a full parse's.
The one difference: a file that names nothing of the above and fails to parse
for a reason the sniff does not recognise is not reported (MX001);
``--no-prefilter`` parses every file.
"""

from mixlint.prefilter.reach import Exports
from mixlint.prefilter.references import References, module_refs
from mixlint.prefilter.scan import (
    COMMENT,
    DATA,
    FACTS_VERSION,
    SNIFF,
    STRONG,
    Facts,
    Scanner,
    compiles,
    cpython_tree,
    imports,
    named_mixpanel,
    scan_files,
)
from mixlint.prefilter.selector import Selector

__all__ = [
    "COMMENT",
    "DATA",
    "FACTS_VERSION",
    "SNIFF",
    "STRONG",
    "Exports",
    "Facts",
    "References",
    "Scanner",
    "Selector",
    "compiles",
    "cpython_tree",
    "imports",
    "module_refs",
    "named_mixpanel",
    "scan_files",
]
