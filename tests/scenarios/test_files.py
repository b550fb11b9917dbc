"""Files a scenario names: the folder rules and the read limits of ``scenarios.files``."""

from __future__ import annotations

import os

import pytest

from scenarios.files import DataDir, DataFileError, data_dir, read_limited, resolve


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "sub").mkdir()
    (tmp_path / "scenario" / "sub" / "v.csv").write_text("start,volume\n")
    (tmp_path / "outside.csv").write_text("start,volume\n")
    return tmp_path


def test_relative_names_resolve_in_the_folder_and_its_subfolders(folder):
    base = folder / "scenario"
    assert resolve("sub/v.csv", base, "x") == (base / "sub" / "v.csv").resolve()
    assert resolve("sub/../sub/v.csv", DataDir(base, False), "x") == (base / "sub/v.csv").resolve()


@pytest.mark.parametrize("allow_absolute", [True, False])
@pytest.mark.parametrize("name", ["../outside.csv", "sub/../../outside.csv", "../../etc/hostname"])
def test_relative_names_may_not_leave_the_folder(folder, name, allow_absolute):
    with pytest.raises(DataFileError, match="leaves the scenario's folder") as err:
        resolve(name, DataDir(folder / "scenario", allow_absolute), "channel voice: demand.csv")
    assert str(err.value).startswith("channel voice: demand.csv: ")


def test_a_symbolic_link_pointing_outside_is_refused(folder):
    os.symlink(folder / "outside.csv", folder / "scenario" / "link.csv")
    with pytest.raises(DataFileError, match="leaves"):
        resolve("link.csv", folder / "scenario", "x")


@pytest.mark.parametrize("name", ["/etc/passwd", "/dev/zero", "/proc/self/environ"])
def test_absolute_names_are_refused_in_the_app_and_kept_in_the_cli(folder, name):
    with pytest.raises(DataFileError, match="absolute path"):
        resolve(name, DataDir(folder, allow_absolute=False), "x")
    assert str(resolve(name, folder, "x")) == name
    assert str(resolve(name, None, "x")) == name


def test_a_plain_path_or_none_allows_absolute_names(folder):
    assert data_dir(folder) == DataDir(folder, allow_absolute=True)
    assert data_dir(None).allow_absolute
    app = DataDir(folder, allow_absolute=False)
    assert data_dir(app) is app


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_not_read(device):
    with pytest.raises(DataFileError, match="not a regular file"):
        read_limited(device, "volumes")


def test_a_fifo_and_a_folder_are_not_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataFileError, match="not a regular file"):
        read_limited(fifo, "volumes")  # would block forever if opened
    with pytest.raises(DataFileError, match="not a regular file"):
        read_limited(tmp_path, "volumes")


def test_the_size_limit_names_the_file_and_the_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 3 * 1024**2)
    with pytest.raises(DataFileError, match=r"big.csv is larger than 2 MB \(3.0 MB\)"):
        read_limited(path, "volumes", limit_bytes=2 * 1024**2)
    assert read_limited(path, "volumes", limit_bytes=3 * 1024**2) == b"x" * 3 * 1024**2


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_limited(tmp_path / "nope.csv", "volumes")
