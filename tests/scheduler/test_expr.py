"""OpenNebula's requirement and rank expressions: parsing, evaluation, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from oneedge.scheduler.expr import HOST_PATHS, ExpressionError, compile_rank, compile_requirements, flatten

HOST = etree.fromstring("""
<HOST><ID>7</ID><NAME>node07</NAME><STATE>2</STATE><CLUSTER_ID>100</CLUSTER_ID>
  <HOST_SHARE><CPU_USAGE>150</CPU_USAGE><MAX_CPU>800</MAX_CPU><RUNNING_VMS>3</RUNNING_VMS>
    <DATASTORES><FREE_DISK>5000</FREE_DISK></DATASTORES></HOST_SHARE>
  <VMS><ID>1</ID><ID>4</ID></VMS>
  <TEMPLATE><HYPERVISOR>kvm</HYPERVISOR><TAG>gpu</TAG><TAG>ssd</TAG><PRIORITY>2.5</PRIORITY><VERSION>12abc</VERSION></TEMPLATE>
  <MONITORING><CAPACITY><FREE_CPU>650</FREE_CPU></CAPACITY></MONITORING>
</HOST>""")
ATTRS = flatten(HOST, HOST_PATHS)


@pytest.mark.parametrize("text, expected", [
    ("", True),
    ("CLUSTER_ID = 100", True),
    ("CLUSTER_ID != 100", False),
    ("ID = 7 & NAME = node07", True),
    ('NAME = "node*"', True),
    ('NAME = "node?7"', True),
    ('NAME = "other*"', False),
    ('NAME != "other*"', True),
    ("HYPERVISOR = kvm", True),
    ("TAG = ssd", False),            # = looks at the first value only
    ("TAG @> ssd", True),
    ('TAG @> "g*"', True),
    ('"VMS/ID" @> 4', True),
    ('"VMS/ID" @> 5', False),
    ('"/HOST/TEMPLATE/HYPERVISOR" = kvm', True),
    ("RUNNING_VMS > 2", True),
    ("RUNNING_VMS < 3", False),
    ("FREE_CPU > 600", True),         # monitoring capacity
    ("FREE_DISK > 4999", True),       # HOST_SHARE/DATASTORES
    ("PRIORITY > 2.4", True),
    ("PRIORITY = 2", True),           # an integer reads the leading digits, as istream does
    ("VERSION = 12", True),
    ("MISSING = 1", False),
    ("MISSING != 1", False),          # a missing attribute matches nothing
    ('HYPERVISOR = ""', False),       # the null string matches nothing
    ("ID > -1", True),
    ("!(ID = 7)", False),
    ("! ID = 7 | ID = 7", True),      # ! binds to the next comparison
    ("ID = 1 | ID = 7 & ID = 2", False),   # one precedence, left to right: (1 | 7) & 2
    ("ID = 1 | (ID = 7 & CLUSTER_ID = 100)", True),
    ("ID ! = 8", True),
    ("TAG @ > gpu", True),
])
def test_requirements(text: str, expected: bool) -> None:
    assert compile_requirements(text)(ATTRS) is expected


@pytest.mark.parametrize("text, expected", [
    ("", 0),
    ("RUNNING_VMS", 3),
    ("- RUNNING_VMS", -3),
    ("FREE_CPU / 100", 6),            # truncated to an integer, as RankPolicy stores it
    ("RUNNING_VMS * 50 + FREE_CPU", 800),
    ("-(RUNNING_VMS * 50 + FREE_CPU)", -800),
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("10 - 2 - 3", 5),
    ("PRIORITY * 2", 5),
    ("MISSING + 1", 1),
    ("1 / 0", 0),
    ("FREE_CPU - 50", 600),
])
def test_ranks(text: str, expected: int) -> None:
    assert compile_rank(text)(ATTRS) == expected


def test_names_are_reported_for_load_tracking() -> None:
    assert compile_rank("RUNNING_VMS * 2 + FREE_CPU").names == {"RUNNING_VMS", "FREE_CPU"}
    assert compile_requirements('ID = 1 & "VMS/ID" @> 3').names == {"ID", "VMS/ID"}


@pytest.mark.parametrize("text, message", [
    ("ID =", "unexpected end of expression, expecting INTEGER or FLOAT or STRING at column 5"),
    ("ID = 3 &", "unexpected end of expression, expecting STRING or '!' or '(' at column 9"),
    ("(ID = 3", "expecting ')' at column 8"),
    ("ID = 3)", "unexpected ')', expecting '&' or '|' or end of expression at column 7"),
    ("ID ~ 3", "unexpected character '~' at column 4"),
    ("ID > abc", "unexpected STRING 'abc', expecting INTEGER or FLOAT at column 6"),
    ('NAME = "abc', "unterminated string starting at column 8"),
    ("ID 3", "expecting '=' or '!=' or '>' or '<' or '@>' at column 4"),
    ("ID = 1 ID = 2", "unexpected STRING 'ID'"),
])
def test_malformed_requirements_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        compile_requirements(text)
    assert message in str(error.value)


@pytest.mark.parametrize("text", ["RUNNING_VMS +", "(1 + 2", "1 2", "* 3", "A ^ 2", "A = 1"])
def test_malformed_ranks(text: str) -> None:
    with pytest.raises(ExpressionError, match="syntax error"):
        compile_rank(text)


ALPHABET = st.sampled_from(list('@!&|=><()*+/-^" \tAZaz09_.~,$') + ["ID", "CLUSTER_ID", "100", '"x*"'])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join) | st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_expression_error(text: str) -> None:
    for compile_ in (compile_requirements, compile_rank):
        try:
            compiled = compile_(text)
        except ExpressionError:
            continue
        compiled(ATTRS)  # whatever parses evaluates without raising
