"""Commands that write a file never overwrite one without ``--force`` and never write into a folder given as
the output: a Chinese message, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import pytest

from cases.cli.main import main

OLD = b"an inspector's own file"

#: (command line before the output, how the output is given, a file name it accepts)
COMMANDS = {
    "snapshot": (["snapshot", "--dpi", "30"], "--out", "全县.png"),
    "sheet": (["sheet", "YD-2019-001"], "--out", "核查单.pdf"),
    "bulletin": (["bulletin", "--date", "2019-07-15"], "--out", "通报.docx"),
    "export-ledger": (["export-ledger", "--kind", "land"], "--out", "附件2.xlsx"),
    "export": (["export"], None, "全部.geojson"),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("force") / "demo.db"
    assert main(["init-demo", "--db", str(path)]) == 0
    return path


def _argv(command: str, out, db) -> list[str]:
    head, option, _ = COMMANDS[command]
    where = [str(out)] if option is None else [option, str(out)]
    return head + where + ["--db", str(db)]


@pytest.mark.parametrize("command", list(COMMANDS))
class TestOutput:
    def test_existing_file_needs_force(self, command, db, tmp_path, capsys):
        out = tmp_path / COMMANDS[command][2]
        out.write_bytes(OLD)
        assert main(_argv(command, out, db)) == 2
        err = capsys.readouterr().err
        assert f"错误：输出文件「{out}」已存在，未覆盖；如确需覆盖，请加 --force" in err and "Traceback" not in err
        assert out.read_bytes() == OLD
        assert main(_argv(command, out, db) + ["--force"]) == 0
        assert out.read_bytes() != OLD and out.stat().st_size > 1000
        assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]

    def test_new_file_needs_no_force(self, command, db, tmp_path):
        out = tmp_path / "新建" / COMMANDS[command][2]
        assert main(_argv(command, out, db)) == 0
        assert out.stat().st_size > 1000

    @pytest.mark.parametrize("name", ["文件夹", "像文件名的文件夹.pdf"])
    def test_a_folder_is_refused_and_left_empty(self, command, db, tmp_path, capsys, name):
        folder = tmp_path / name
        folder.mkdir()
        for extra in ([], ["--force"]):
            assert main(_argv(command, folder, db) + extra) == 2
            err = capsys.readouterr().err
            assert f"给出的「{folder}」是一个文件夹，不是文件；请在文件夹后写上文件名（含扩展名），未写入任何文件" in err
            assert "Traceback" not in err
        assert list(folder.iterdir()) == []
