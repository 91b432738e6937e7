import numpy as np

from tocsin.models import npz_meta


def test_meta_round_trips_through_an_npz_file_without_pickle(tmp_path):
    meta = {"about": "tête-à-tête, हिन्दी, العربية", "config": {"lr": 1e-4, "seeds": [13, 14]}, "z": None}
    np.savez_compressed(tmp_path / "w.npz", x=np.arange(3), meta=npz_meta.encode(meta))
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        assert z["meta"].dtype == np.uint8
        assert npz_meta.decode(z) == meta


def test_keys_are_written_sorted_so_the_same_meta_gives_the_same_bytes():
    assert npz_meta.encode({"b": 1, "a": 2}).tobytes() == npz_meta.encode({"a": 2, "b": 1}).tobytes()


def test_a_file_without_meta_reads_as_empty(tmp_path):
    np.savez(tmp_path / "w.npz", x=np.arange(3))
    with np.load(tmp_path / "w.npz") as z:
        assert npz_meta.decode(z) == {}
