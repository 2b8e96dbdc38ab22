"""Every real file round-trips through its class; same/similar/diff/patch behave."""

from __future__ import annotations

import pytest

from oneedge.onecfg.change import Change
from oneedge.onecfg.errors import FileReadError, PatchError
from oneedge.onecfg.formats import format_class
from oneedge.onecfg.formats.one import ONE
from oneedge.onecfg.formats.shell import Shell
from oneedge.onecfg.formats.yaml import Yaml, YamlStrict

from .conftest import DATA, manifest

REAL = [(v, name, info["class"]) for v, files in manifest().items() for name, info in files.items()]


def test_all_real_files_are_listed() -> None:
    assert len(REAL) == 58 + 65 + 67 + 74 + 81


@pytest.mark.parametrize(("version", "name", "cls"), REAL, ids=[f"{v}{n}" for v, n, _ in REAL])
def test_real_file_round_trips_byte_identical(version: str, name: str, cls: str) -> None:
    path = DATA / version / name.lstrip("/")
    obj = format_class(cls).load(path)
    assert obj.to_text() == path.read_text()
    assert obj.same(obj.copy())
    assert obj.diff(obj.copy()) == []


ONE_TEXT = '# daemon\nPORT = 2633\nDB = [ BACKEND = "sqlite",\n  TIMEOUT = 2500 ]\nVM_MAD = [ NAME = "kvm", ARGUMENTS = "-t 15" ]\n'


@pytest.mark.parametrize(
    ("cls", "text", "comment_edit", "layout_edit", "value_edit"),
    [
        (ONE, ONE_TEXT, ("# daemon", "# the daemon"), ("PORT = 2633", "PORT=2633"), ("2633", "2634")),
        (Shell, "# kvm\nexport A=1\nB='x y'\n", ("# kvm", "# KVM"), ("B='x y'", "B='x y'  "), ("A=1", "A=2")),
        (Yaml, "# c\n:a: 1\n:l: [x, y]\n", ("# c", "# comment"), (":l: [x, y]", ":l:\n- y\n- x"), (":a: 1", ":a: 2")),
        (YamlStrict, "# c\n:a: 1\n:l: [x, y]\n", ("# c", "# d"), (":l: [x, y]", ":l:\n  - x\n  - y"), ("x, y", "y, x")),
    ],
)
def test_same_and_similar(cls: type, text: str, comment_edit: tuple[str, str],
                          layout_edit: tuple[str, str], value_edit: tuple[str, str]) -> None:
    base = cls.from_text(text)
    for old, new in (comment_edit, layout_edit):
        edited = cls.from_text(text.replace(old, new))
        assert not base.same(edited)
        assert base.similar(edited)
    changed = cls.from_text(text.replace(*value_edit))
    assert not base.similar(changed)
    assert base.diff(changed)


def test_one_change_printed_form() -> None:
    old = ONE.from_text(ONE_TEXT)
    new = ONE.from_text(ONE_TEXT.replace("-t 15", "-t 30").replace("TIMEOUT = 2500 ]", "TIMEOUT = 2500, X = 1 ]"))
    hints = old.hints(old.diff(new))
    assert 'set VM_MAD[NAME="kvm"]/ARGUMENTS = "-t 30"' in hints
    assert 'ins DB/X = "1"' in hints


def test_one_patch_keeps_customization_and_layout() -> None:
    admin = ONE.from_text(ONE_TEXT.replace("PORT = 2633", "PORT = 9999  # mine"))
    changes = [
        Change("set", [], "PORT", value="2634", old="2633"),
        Change("ins", ["DB"], "EXTRA", value='"y"', extra={"multiple": False}),
        Change("ins", ["VM_MAD", '"lxd"'], "NAME", value='"lxd"'),
        Change("ins", ["VM_MAD", '"lxd"'], "ARGUMENTS", value='"-t 1"'),
    ]
    reports = admin.patch(changes)
    assert [r.applied for r in reports] == [False, True, True, True]
    text = admin.to_text()
    assert "PORT = 9999  # mine" in text and '  TIMEOUT = 2500,\n  EXTRA="y" ]' in text
    assert 'VM_MAD=[\n  NAME="lxd",\n  ARGUMENTS="-t 1" ]' in text
    admin.patch([Change("set", [], "PORT", value="2634", old="2633")], ["replace"])
    assert 'PORT = 2634  # mine' in admin.to_text()


def test_one_missing_section_conflicts_unless_skip() -> None:
    obj = ONE.from_text(ONE_TEXT)
    change = Change("set", ["VM_MAD", '"gone"'], "ARGUMENTS", value="a", old="b")
    with pytest.raises(PatchError, match="not found"):
        obj.patch([change])
    assert obj.to_text() == ONE_TEXT
    assert obj.patch([change], ["skip"])[0].mode == "skip"


def test_yaml_patch_keeps_comments_and_conflicts_on_missing_key() -> None:
    text = "# head\n:a: 1   # why\n:m:\n    :x: 1\n    # keep\n    :y: 2\n"
    obj = Yaml.from_text(text)
    obj.patch([Change("ins", [":m"], ":z", value=3), Change("set", [], ":a", value=5, old=1)])
    assert obj.to_text() == "# head\n:a: 5   # why\n:m:\n    :x: 1\n    # keep\n    :y: 2\n    :z: 3\n"
    with pytest.raises(PatchError, match="missing"):
        obj.patch([Change("set", [], ":gone", value=1, old=0)])


def test_yaml_strict_index_conflict_and_force() -> None:
    obj = YamlStrict.from_text(":l:\n- a\n- b\n")
    change = Change("ins", [":l"], None, value="n", old="zzz", extra={"index": 1})
    with pytest.raises(PatchError):
        obj.patch([change])
    obj.patch([change], ["force"])
    assert obj.data == {":l": ["a", "n", "b"]}


def test_shell_export_and_insert() -> None:
    obj = Shell.from_text("export A=1\nB=2 # c\n")
    obj.patch([Change("set", [], "B", value="3", old="2", extra={"export": True}),
               Change("ins", [], "C", value="x", extra={"export": False})])
    assert obj.to_text() == "export A=1\nexport B=3 # c\nC=x\n"


@pytest.mark.parametrize(("cls", "text"), [(ONE, "A = [ B = 1\n"), (Yaml, ":a: [1\n"), (Shell, "A=1 junk\n")])
def test_unparsable_file_raises_file_read_error(cls: type, text: str) -> None:
    with pytest.raises(FileReadError, match="cannot parse"):
        cls.from_text(text, "/etc/one/x")
