"""oneimage against a real front-end: registering files and datablocks, the default
columns, formats, state and type changes, and one-line errors that change nothing."""

from __future__ import annotations

import json

from support.cli import BIN, pty_run, strip_ansi, table

COLUMNS = ["ID", "USER", "GROUP", "NAME", "DATASTORE", "SIZE", "TYPE", "PER", "STAT", "RVMS"]


def _image(cli, name):
    return json.loads(cli.ok("oneimage", "show", name, "-j"))["IMAGE"]


def _ready(cli, frontend, iid):
    """Wait (polling the API) until the image's file is made."""
    import time

    deadline = time.monotonic() + 30
    while frontend.pyone().image.info(iid).STATE != 1:
        assert time.monotonic() < deadline, "image never became READY"
        time.sleep(0.05)


def test_image_create_list_show_formats(cli, frontend, tmp_path):
    path = tmp_path / "disk.raw"
    path.write_bytes(b"\0" * (3 << 20))
    iid = cli.new_id("oneimage", "create", "-d", "default", "--name", "disk", "--path", str(path))
    did = cli.new_id("oneimage", "create", "-d", "1", "--name", "data", "--type", "DATABLOCK", "--size", "10")
    _ready(cli, frontend, iid)
    _ready(cli, frontend, did)
    rows = table(cli.ok("oneimage", "list"))
    assert rows[0] == COLUMNS
    named = {r[3]: r for r in rows[1:]}
    assert named["disk"] == [str(iid), "oneadmin", "oneadmin", "disk", "default", "3M", "OS", "No", "rdy", "0"]
    assert named["data"][5:9] == ["10M", "DB", "No", "rdy"]
    lines = cli.ok("oneimage", "show", "disk").splitlines()
    assert lines[0] == f"IMAGE {iid} INFORMATION" and f"PATH                : {path}" in lines
    assert "PERMISSIONS" in lines and "IMAGE TEMPLATE" in lines
    assert _image(cli, str(iid))["SIZE"] == "3"
    assert cli.ok("oneimage", "show", "disk", "-x").startswith(f"<IMAGE>\n  <ID>{iid}</ID>")
    assert cli.ok("oneimage", "list", "-y").startswith("---\nIMAGE_POOL:\n    IMAGE:\n")
    assert isinstance(json.loads(cli.ok("oneimage", "list", "-j"))["IMAGE_POOL"]["IMAGE"], list)
    from_file = tmp_path / "img.tmpl"
    from_file.write_text('NAME="tmpl"\nTYPE="DATABLOCK"\nSIZE="1"\n')
    assert cli.new_id("oneimage", "create", str(from_file), "-d", "default") > did


def test_image_actions(cli, frontend):
    iid = cli.new_id("oneimage", "create", "-d", "default", "--name", "acts", "--type", "DATABLOCK", "--size", "1")
    _ready(cli, frontend, iid)
    cli.ok("oneimage", "persistent", "acts")
    assert _image(cli, "acts")["PERSISTENT"] == "1"
    cli.ok("oneimage", "nonpersistent", "acts")
    cli.ok("oneimage", "disable", "acts")
    assert table(cli.ok("oneimage", "list", "-l", "NAME,STAT", "-f", "NAME=acts", "--no-header")) == \
        [["acts", "disa"]]
    cli.ok("oneimage", "enable", "acts")
    assert _image(cli, "acts")["STATE"] == "1"
    cli.ok("oneimage", "chtype", "acts", "OS")
    assert _image(cli, "acts")["TYPE"] == "0"
    clone = cli.new_id("oneimage", "clone", "acts", "acts-copy")
    _ready(cli, frontend, clone)
    cli.ok("oneimage", "update", "acts", "--append", "-", input='LABEL="x"\n')
    assert frontend.pyone().image.info(iid).TEMPLATE["LABEL"] == "x"
    cli.ok("oneimage", "chmod", "acts", "604")
    assert frontend.pyone().image.info(iid).PERMISSIONS.OTHER_U == 1
    cli.ok("oneimage", "lock", "acts", "--manage")
    assert cli.fails("oneimage", "rename", "acts", "b").startswith("[one.image.rename]")
    cli.ok("oneimage", "unlock", "acts")
    cli.ok("oneimage", "rename", "acts", "b")
    cli.ok("oneimage", "delete", f"b,{clone}", "-v")
    rows = table(cli.ok("oneimage", "list", "-l", "NAME", "--no-header"))
    assert ["b"] not in rows and ["acts-copy"] not in rows


def test_image_errors_change_nothing(cli, tmp_path):
    cli.new_id("oneimage", "create", "-d", "default", "--name", "keep", "--type", "DATABLOCK", "--size", "1")
    assert cli.fails_unchanged("oneimage", "show", "nosuch") == "IMAGE named nosuch not found."
    assert cli.fails_unchanged("oneimage", "show", "999") == "[one.image.info] Error getting image [999]."
    assert cli.fails_unchanged("oneimage", "create", "--name", "x", "--size", "1", status=2) == \
        "oneimage create: --datastore is needed"
    assert cli.fails_unchanged("oneimage", "create", "-d", "nosuch", "--name", "x", "--size", "1") == \
        "DATASTORE named nosuch not found."
    assert cli.fails_unchanged("oneimage", "create", "-d", "default", "--name", "x", "--size", "lots",
                               status=2).startswith("--size: bad size")
    assert cli.fails_unchanged("oneimage", "create", "-d", "default", "--name", "keep", "--type", "DATABLOCK",
                               "--size", "1").startswith("[one.image.allocate]")
    assert cli.fails_unchanged("oneimage", "create", "-d", "default", "--name", "gone",
                               "--path", str(tmp_path / "missing")).startswith("[one.image.allocate]")
    assert "invalid choice: 'DISK'" in cli.fails_unchanged("oneimage", "chtype", "keep", "DISK", status=2)
    assert cli.fails_unchanged("oneimage", "delete", "keep,nosuch") == "IMAGE named nosuch not found."


class _SlowFile:
    """A file served on 127.0.0.1 in small slow chunks, so a download takes a while."""

    def __init__(self, size: int, chunk: int = 64 << 10, pause: float = 0.05) -> None:
        import http.server
        import threading

        body = b"\0" * size

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()

            def do_GET(self):
                import time

                self.do_HEAD()
                for start in range(0, size, chunk):
                    self.wfile.write(body[start:start + chunk])
                    time.sleep(pause)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/disk.raw"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_download_progress_on_a_terminal_and_silence_in_scripts(cli, frontend):
    served = _SlowFile(2 << 20)
    try:
        status, out = pty_run([str(BIN / "oneimage"), "create", "-d", "default", "--name", "downloaded",
                                "--path", served.url], cli.env, 100)
        assert status == 0, out
        text = strip_ansi(out)
        assert "Image" in text and "% of 2M" in text
        iid = int(text.split("ID: ")[1].split()[0])
        # The command returned once the image was READY.
        assert frontend.pyone().image.info(iid).STATE == 1
        quiet = cli.run("oneimage", "create", "-d", "default", "--name", "scripted", "--path", served.url)
        assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout.startswith("ID: ")
    finally:
        served.close()
