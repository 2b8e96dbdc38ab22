"""What keeps start-up fast: the small argv parser agrees with argparse, documents
parse without xml.etree, and ``onevm list``/``show`` load none of the costly modules."""

from __future__ import annotations

import importlib
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest

from oneedge.cli import argv as fast
from oneedge.cli.command import CLIENT_ARGS
from oneedge.cli.usage import verb_parser
from oneedge.cli.xmldoc import parse, to_xml

TOOLS = ("onevm", "onehost", "onetemplate", "oneimage", "onevnet", "onevntemplate", "onedatastore", "onecluster",
         "oneuser", "onegroup", "onesecgroup", "onemarket", "onemarketapp", "onehook")

LINES = [
    ["list"], ["list", "-l", "ID,NAME", "--csv"], ["list", "mine", "--no-header", "-f", "CPU>1"],
    ["list", "--list=ID,NAME", "-x"], ["list", "--csv-del", ";", "--csv"], ["list", "-l"], ["list", "--no-such"],
    ["list", "a", "b"], ["show", "3"], ["show", "web", "-j"], ["show"], ["show", "-h"], ["top", "-d", "2"],
    ["terminate", "3..5", "--hard", "-w", "--timeout", "5"], ["lock", "3", "--manage"], ["chown", "3", "alice"],
    ["chown", "3", "alice", "users", "-v"], ["create", "-"], ["create", "x.tmpl", "--name", "n"],
    ["delete", "--", "-3"], ["disk-detach", "3", "1"], ["disk-detach", "3", "x"], ["log", "--rc", "error"],
    ["log", "--rc", "bogus"], ["chtype", "3", "DATABLOCK"], ["update", "3", "--append", "f"], ["create", "-m", "-2"],
    ["list", "-lID"], ["list", "--no-h"], ["resize", "3", "--cpu", "1.5", "--memory", "1G"],
]


@pytest.mark.parametrize("tool", TOOLS)
def test_small_parser_agrees_with_argparse(tool):
    tool_ = importlib.import_module(f"oneedge.cli.{tool}").TOOL
    checked = 0
    for line in LINES:
        verb = tool_.verbs.get(line[0])
        if verb is None:
            continue
        ours = fast.parse((*verb.args, *CLIENT_ARGS), line[1:])
        if ours is None:
            continue
        theirs = verb_parser(tool_, verb).parse_intermixed_args(line[1:])
        assert vars(ours) == vars(theirs), (tool, line)
        checked += 1
    assert checked >= 3


def test_small_parser_leaves_help_and_errors_to_argparse():
    from oneedge.cli.onevm import TOOL

    args = (*TOOL.verbs["list"].args, *CLIENT_ARGS)
    for line in (["--help"], ["-l"], ["--bogus"], ["a", "b"], ["-lID"], ["--no-h"], ["-vx"]):
        assert fast.parse(args, line) is None, line


DOC = ('<VM_POOL><VM><ID>3</ID><NAME>a &amp; b &lt;c&gt;</NAME><EMPTY/><T><A x="1&quot;2">v</A><B></B></T>'
       '<HISTORY_RECORDS>\n  <HISTORY><HID>0</HID></HISTORY>\n</HISTORY_RECORDS></VM><VM><ID>4</ID></VM></VM_POOL>')


def test_documents_print_as_elementtree_does():
    reference = ET.fromstring(DOC)
    ET.indent(reference)
    assert to_xml(parse(DOC)) == ET.tostring(reference, encoding="unicode")
    assert to_xml(ET.fromstring(DOC)) == ET.tostring(reference, encoding="unicode")


def test_nodes_answer_as_elements():
    ours, theirs = parse(DOC), ET.fromstring(DOC)
    for path in ("VM", "VM/ID", "VM/T/A", "VM/HISTORY_RECORDS/HISTORY", "VM/NOPE", "VM/EMPTY"):
        assert [(e.tag, e.text or "") for e in ours.iterfind(path)] == \
            [(e.tag, e.text or "") for e in theirs.iterfind(path)], path
        assert ours.findtext(path) == theirs.findtext(path)
        assert ours.findtext(path, "-") == theirs.findtext(path, "-")
    assert ours.find("VM/T/A").get("x") == '1"2'
    assert len(ours) == 2 and ours[1].findtext("ID") == "4"


COSTLY = ("argparse", "re", "enum", "xml.etree.ElementTree", "encodings.idna", "typing", "dataclasses")


@pytest.mark.parametrize("argv", [["list"], ["list", "-l", "ID,NAME"], ["show", "0"]])
def test_hot_paths_load_no_costly_module(cli, argv):
    cli.new_id("onevm", "create", "--name", "probe", "--cpu", "1", "--memory", "64", "--hold")
    code = ("import sys\nfrom oneedge.cli.onevm import TOOL\n"
            f"assert TOOL.main({argv!r}) == 0\n"
            f"print(' '.join(m for m in {COSTLY!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], env=cli.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""
