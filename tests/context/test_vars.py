"""CONTEXT variables as OpenNebula's vm_var_syntax substitutes them."""

from __future__ import annotations

import base64

import pytest

from oneedge.context.vars import ContextVariableError, context_values, reads_leases

VNET = ("<VNET><ID>3</ID><NAME>x</NAME><TEMPLATE><GATEWAY>10.0.0.1</GATEWAY><DNS>8.8.8.8</DNS></TEMPLATE>"
        "<AR_POOL><AR><AR_ID>0</AR_ID><GATEWAY>10.0.0.254</GATEWAY></AR></AR_POOL></VNET>")
USER = "<USER><ID>5</ID><NAME>ann</NAME><TEMPLATE><SSH_PUBLIC_KEY>ssh-ed25519 AAAA ann</SSH_PUBLIC_KEY></TEMPLATE></USER>"


def vm(context: str, nics: str = "") -> str:
    return (f"<VM><ID>9</ID><UID>5</UID><GID>1</GID><UNAME>ann</UNAME><GNAME>users</GNAME><NAME>web-1</NAME>"
            f"<TEMPLATE><MEMORY>128</MEMORY><VMID>9</VMID>{nics}<CONTEXT>{context}</CONTEXT></TEMPLATE>"
            "<USER_TEMPLATE><ROLE>db</ROLE></USER_TEMPLATE></VM>")


NICS = ("<NIC><NIC_ID>0</NIC_ID><NETWORK>x</NETWORK><NETWORK_ID>3</NETWORK_ID><AR_ID>0</AR_ID><IP>10.0.0.5</IP></NIC>"
        "<NIC><NIC_ID>1</NIC_ID><NETWORK>y</NETWORK><NETWORK_ID>4</NETWORK_ID><AR_ID>0</AR_ID><IP>10.1.0.6</IP></NIC>")


def test_the_vm_and_its_owner() -> None:
    values = context_values(vm("<A>$NAME/$VMID/$UNAME:$UID/$GNAME:$GID</A><B>$memory MB, $ROLE$NAME.</B>"))
    assert values == {"A": "web-1/9/ann:5/users:1", "B": "128 MB, dbweb-1."}


def test_template_is_the_vm_document_in_base64() -> None:
    document = vm("<T>$TEMPLATE</T>")
    assert base64.b64decode(context_values(document)["T"]).decode() == document


def test_nic_attributes_first_or_by_key() -> None:
    values = context_values(vm('<A>$NIC[IP]</A><B>$NIC[IP, NETWORK="y"]</B><C>$NIC[ IP ,NIC_ID=1 ]</C>'
                               '<D>$NIC[IP, NETWORK="z"]</D>', NICS))
    assert values == {"A": "10.0.0.5", "B": "10.1.0.6", "C": "10.1.0.6", "D": ""}


def test_network_attributes_from_the_address_range_then_the_network() -> None:
    values = context_values(vm("<G>$NETWORK[GATEWAY, NETWORK_ID=3]</G><D>$NETWORK[DNS, NIC_ID=0]</D>"
                               "<N>$NETWORK[DNS]</N><T>$NETWORK[TEMPLATE, NETWORK=x]</T>", NICS),
                            networks={3: VNET})
    assert values["G"] == "10.0.0.254" and values["D"] == "8.8.8.8" and values["N"] == ""
    assert base64.b64decode(values["T"]).decode() == VNET


def test_user_attributes() -> None:
    values = context_values(vm("<K>$USER[SSH_PUBLIC_KEY]</K><T>$USER[TEMPLATE]</T>"), USER)
    assert values["K"] == "ssh-ed25519 AAAA ann" and base64.b64decode(values["T"]).decode() == USER


def test_lease_variables_wait_for_the_leases() -> None:
    document = vm("<A>$NAME $NIC[IP] $NETWORK[GATEWAY, NETWORK_ID=3]</A>", NICS)
    waiting = context_values(vm("<A>$NAME $NIC[IP] $NETWORK[GATEWAY, NETWORK_ID=3]</A><B>$NAME</B>", NICS),
                             leases=False)
    assert waiting == {"A": "$NAME $NIC[IP] $NETWORK[GATEWAY, NETWORK_ID=3]", "B": "web-1"}
    assert context_values(document, networks={3: VNET}) == {"A": "web-1 10.0.0.5 10.0.0.254"}
    assert reads_leases("$nic_alias[IP]") and reads_leases('x $NETWORK[DNS, NETWORK="y"]')
    assert not reads_leases(r"$NAME \$NIC[IP] $NICS $USER[NIC]")


def test_unknown_is_empty_escaped_is_kept() -> None:
    assert context_values(vm(r"<A>[$NOPE] \$NAME $DISK[SIZE]</A>")) == {"A": r"[] \$NAME "}


def test_a_dollar_without_a_name_is_an_error() -> None:
    with pytest.raises(ContextVariableError, match="starts no variable"):
        context_values(vm("<A>costs 5 $ now</A>"))
    with pytest.raises(ContextVariableError, match="starts no variable"):
        context_values(vm("<A>$NIC[IP] costs 5 $</A>"), leases=False)


def test_no_context() -> None:
    assert context_values("<VM><ID>1</ID><TEMPLATE/></VM>") == {}
