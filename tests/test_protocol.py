import numpy as np

from aflfp_bench import protocol as p


def test_expressions_codes_and_names():
    assert p.EXPRESSION_CODES == ("BR", "CS", "FR", "FN", "GEC", "LE", "LSM", "LSN", "LW", "OS",
                                  "RE", "RSM", "RSN", "RW", "SN", "TEC")
    assert p.EXPRESSION_NAMES["GEC"] == "Gentle Eye Closure"
    assert p.EXPRESSION_NAMES["RSN"] == "Right Snarl"
    assert p.KEYFRAMES == ("neutral", "onset", "mid", "peak")


def test_expression_names_match_case_insensitively():
    assert p.expression_code("brow raise") == "BR"
    assert p.expression_code("TIGHT_EYE  closure") == "TEC"
    assert p.expression_code("LSM") == "LSM"
    assert p.expression_code("Big Smile") is None


def test_regions_cover_68_points_once():
    sizes = {name: len(idx) for name, idx in p.REGIONS.items()}
    assert sizes == {"jaw": 17, "eyebrows": 10, "nose": 9, "eyes": 12, "mouth": 20}
    assert sorted(np.concatenate(list(p.REGIONS.values()))) == list(range(68))


def test_mirror_index_is_an_involution_that_mirrors_a_symmetric_face():
    m = p.mirror_index()
    assert (m[m] == np.arange(68)).all()
    assert sorted(m) == list(range(68))
    # A face symmetric about x = 0 (each pair at mirrored positions, midline at x = 0).
    rng = np.random.default_rng(1)
    face = np.zeros((68, 2))
    for right, left in p.MIRROR_PAIRS:
        x, y = rng.uniform(1, 5), rng.uniform(-5, 5)
        face[right], face[left] = (-x, y), (x, y)
    face[p.MIDLINE, 1] = rng.uniform(-5, 5, len(p.MIDLINE))
    flipped = face * [-1, 1]
    assert np.array_equal(flipped[m], face)


def test_sides_use_subject_anatomy():
    # Point 37 (1-based) is the outer corner of the subject's right eye (image left).
    assert 36 in p.RIGHT_SIDE and 45 in p.LEFT_SIDE
    assert len(p.RIGHT_SIDE) == len(p.LEFT_SIDE) == 29 and len(p.MIDLINE) == 10


def test_shipped_folds_are_reproduced_by_the_seeded_procedure():
    assert p.shipped_folds() == p.make_folds(range(1, 89))
    sizes = np.bincount(list(p.shipped_folds().values()))[1:]
    assert sizes.tolist() == [9] * 8 + [8] * 2


def test_unknown_subjects_are_dealt_by_the_same_procedure():
    folds = p.assign_folds(["007", "12", "zz-a", "zz-b", "zz-c"])
    assert folds["7"] == p.shipped_folds()["7"] and folds["12"] == p.shipped_folds()["12"]
    unknown = p.make_folds(["zz-a", "zz-b", "zz-c"])
    assert {k: folds[k] for k in unknown} == unknown
    assert sorted(unknown.values()) == [1, 2, 3]


def test_canonical_subject():
    assert p.canonical_subject("007") == "7"
    assert p.canonical_subject(12) == "12"
    assert p.canonical_subject(" P03 ") == "P03"
