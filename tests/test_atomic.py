import pytest

from aflfp_bench.errors import BenchError
from aflfp_bench.reading.atomic import replacing, write_text


def test_an_interrupted_write_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with replacing(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    write_text(target, "new")
    assert target.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_a_failed_write_names_the_file(tmp_path):
    target = tmp_path / "missing-folder" / "out.json"
    with pytest.raises(BenchError) as info:
        write_text(target, "x", "model")
    assert str(info.value) == f"{target}: cannot write model (No such file or directory)"
