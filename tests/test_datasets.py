"""The toy datasets: shapes, determinism, standardisation, split, errors."""

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_moons

from mytorch import datasets
from mytorch.datasets import Dataset, make_dataset, make_spiral, split_and_standardize

EXPECTED_CLASSES = {"moons": 2, "circles": 2, "blobs": 4, "noisy_moons": 2, "spiral": 3}


def test_the_five_datasets_are_listed_in_order():
    assert list(datasets.DATASETS) == [
        "moons",
        "circles",
        "blobs",
        "noisy_moons",
        "spiral",
    ]


@pytest.mark.parametrize("name", list(EXPECTED_CLASSES))
def test_shapes_dtypes_and_labels(name):
    data = make_dataset(name)
    assert isinstance(data, Dataset)
    assert data.name == name
    assert data.n_classes == EXPECTED_CLASSES[name]
    n_train, n_test = len(data.y_train), len(data.y_test)
    assert n_train + n_test == datasets.N_SAMPLES
    assert abs(n_test / datasets.N_SAMPLES - datasets.TEST_SIZE) < 0.01
    assert data.X_train.shape == (n_train, 2) and data.X_test.shape == (n_test, 2)
    assert data.X_train.dtype == np.float64 and data.y_train.dtype == np.int64
    assert set(np.unique(data.y_train)) == set(range(data.n_classes))
    assert set(np.unique(data.y_test)) == set(range(data.n_classes))


@pytest.mark.parametrize("name", list(EXPECTED_CLASSES))
def test_same_call_same_points(name):
    a, b = make_dataset(name), make_dataset(name)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", list(EXPECTED_CLASSES))
def test_another_random_state_gives_other_points(name):
    a, b = make_dataset(name), make_dataset(name, random_state=1)
    assert not np.array_equal(a.X_train, b.X_train)


@pytest.mark.parametrize("name", list(EXPECTED_CLASSES))
def test_standardised_with_training_statistics(name):
    data = make_dataset(name)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, rtol=1e-12)
    # The test set went through the same affine map, not its own.
    assert np.abs(data.X_test.mean(axis=0)).max() > 1e-6


def test_split_is_stratified_disjoint_and_complete():
    X, y = make_spiral(n_samples=300, n_arms=3, random_state=0)
    data = split_and_standardize(X, y, name="s", test_size=0.2, random_state=0)
    assert np.bincount(data.y_test).tolist() == [20, 20, 20]
    raw_train = data.X_train * data.std + data.mean
    raw_test = data.X_test * data.std + data.mean
    rows = {tuple(np.round(r, 9)) for r in np.concatenate([raw_train, raw_test])}
    assert rows == {tuple(np.round(r, 9)) for r in X}


def test_unpacks_like_a_tuple_and_has_a_short_repr():
    X_train, y_train, _X_test, _y_test = make_dataset("moons")
    assert X_train.shape[0] == y_train.shape[0]
    assert (
        repr(make_dataset("spiral"))
        == "Dataset(name='spiral', n_classes=3, n_train=750, n_test=250)"
    )


@pytest.mark.parametrize("n_arms", [2, 3, 5])
def test_spiral_arms(n_arms):
    X, y = make_spiral(n_samples=101, n_arms=n_arms, noise=0.0)
    assert X.shape == (101, 2)
    counts = np.bincount(y)
    assert len(counts) == n_arms and counts.max() - counts.min() <= 1
    # Without noise every point lies within the unit disc, off the centre.
    radius = np.hypot(*X.T)
    assert radius.min() >= 0.05 - 1e-12 and radius.max() <= 1 + 1e-12
    assert make_dataset("spiral", n_arms=n_arms).n_classes == n_arms


def test_overrides_reach_the_generator():
    assert len(make_dataset("moons", n_samples=200).y_train) == 150
    quiet, loud = make_dataset("moons", noise=0.0), make_dataset("moons", noise=0.3)
    assert not np.array_equal(quiet.X_train, loud.X_train)


def test_noisy_moons_are_the_moons_with_more_noise():
    moons, noisy = make_dataset("moons"), make_dataset("noisy_moons")
    assert noisy.name == "noisy_moons"
    np.testing.assert_array_equal(moons.y_train, noisy.y_train)
    # Same underlying points, so the extra noise shows as a larger spread.
    raw_moons = moons.X_train * moons.std + moons.mean
    raw_noisy = noisy.X_train * noisy.std + noisy.mean
    assert np.abs(raw_noisy - raw_moons).mean() > 0.1


def test_spiral_noise_widens_the_arms():
    X_quiet, _ = make_spiral(noise=0.0)
    X_noisy, _ = make_spiral(noise=0.2)
    assert np.hypot(*X_noisy.T).max() > np.hypot(*X_quiet.T).max()


@pytest.mark.parametrize("name", ["spirals", "MOONS", "", None, 3])
def test_unknown_name(name):
    with pytest.raises(
        ValueError,
        match=r"make_dataset\(name\) must be one of \['blobs', 'circles', "
        r"'moons', 'noisy_moons', 'spiral'\], got",
    ):
        make_dataset(name)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"n_arms": 1}, ValueError, r"make_spiral\(n_arms\) must be >= 2, got 1"),
        (
            {"n_arms": 2.5},
            TypeError,
            r"make_spiral\(n_arms\) must be an int, got float 2.5",
        ),
        ({"n_samples": 2}, ValueError, r"make_spiral\(n_samples\) must be >= 3, got 2"),
        (
            {"noise": -0.1},
            ValueError,
            r"make_spiral\(noise\) must be a finite number >= 0, got -0.1",
        ),
        (
            {"noise": "a"},
            TypeError,
            r"make_spiral\(noise\) must be a number, got str 'a'",
        ),
        (
            {"turns": 0},
            ValueError,
            r"make_spiral\(turns\) must be a finite number > 0, got 0$",
        ),
    ],
)
def test_spiral_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_spiral(**kwargs)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: make_dataset("moons", noise=-1),
            r"moons\(noise\) must be a finite number >= 0, got -1",
        ),
        (
            lambda: make_dataset("circles", factor=1.5),
            r"circles\(factor\) must be in \(0, 1\), got 1.5",
        ),
        (
            lambda: make_dataset("blobs", n_samples=True),
            r"blobs\(n_samples\) must be an int, got bool True",
        ),
        (
            lambda: make_dataset("spiral", test_size=1.0),
            (
                r"split_and_standardize\(test_size\) must be in "
                r"\(0, 1\), got 1.0"
            ),
        ),
    ],
)
def test_generator_bad_arguments(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_split_bad_arguments():
    X, y = make_spiral(n_samples=30)
    with pytest.raises(
        ValueError,
        match=r"split_and_standardize\(X\) must have shape \(N, F\) with N >= 2, got shape \(30,\)",
    ):
        split_and_standardize(X[:, 0], y, name="x")
    with pytest.raises(
        ValueError,
        match=r"split_and_standardize\(X\) must have shape \(N, F\) with N >= 2, got shape \(0, 2\)",
    ):
        split_and_standardize(X[:0], y[:0], name="x")
    with pytest.raises(
        ValueError,
        match=r"split_and_standardize\(y\) must have shape \(30,\) to match X, got shape \(29,\)",
    ):
        split_and_standardize(X, y[:-1], name="x")
    with pytest.raises(
        TypeError,
        match=r"split_and_standardize\(y\) must hold integer labels, got dtype float64",
    ):
        split_and_standardize(X, y.astype(float), name="x")
    with pytest.raises(
        ValueError,
        match=r"split_and_standardize\(test_size=0.01\) leaves an empty train or test set",
    ):
        split_and_standardize(X, y, name="x", test_size=0.01)


@pytest.mark.parametrize(
    "labels, n_classes, message",
    [
        (
            [0, 1, -1, 7] * 5,
            2,
            r"must hold labels 0 \.\. 1 for n_classes=2, got labels from -1 to 7",
        ),
        (
            [0, 1, 2, 3] * 5,
            3,
            r"must hold labels 0 \.\. 2 for n_classes=3, got labels from 0 to 3",
        ),
        (
            [0, 1, -1, 1] * 5,
            None,
            r"must hold labels 0 \.\. 1 for n_classes=2, got labels from -1 to 1",
        ),
        (
            [0, 1, 2, 1],
            2,
            r"must hold labels 0 \.\. 1 for n_classes=2, got labels from 0 to 2",
        ),
    ],
    ids=["both-sides", "too-large", "negative-inferred", "small"],
)
def test_split_refuses_labels_outside_the_classes(labels, n_classes, message):
    X = np.random.default_rng(0).standard_normal((len(labels), 2))
    with pytest.raises(ValueError, match=r"split_and_standardize\(y\) " + message):
        split_and_standardize(X, np.array(labels), name="x", n_classes=n_classes)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: make_spiral(random_state=-1),
            ValueError,
            r"make_spiral\(random_state\) must be >= 0, got -1",
        ),
        (
            lambda: make_spiral(random_state=None),
            TypeError,
            r"make_spiral\(random_state\) must be an int, got NoneType None",
        ),
        (
            lambda: make_dataset("moons", random_state=-1),
            ValueError,
            r"moons\(random_state\) must be >= 0, got -1",
        ),
        (
            lambda: make_dataset("circles", random_state=1.5),
            TypeError,
            r"circles\(random_state\) must be an int",
        ),
        (
            lambda: make_dataset("blobs", random_state=-2),
            ValueError,
            r"blobs\(random_state\) must be >= 0, got -2",
        ),
        (
            lambda: make_dataset("moons", test_size="a"),
            TypeError,
            r"split_and_standardize\(test_size\) must be a number, got str 'a'",
        ),
        (
            lambda: make_dataset("noisy_moons", test_size=None),
            TypeError,
            r"split_and_standardize\(test_size\) must be a number, got NoneType None",
        ),
        (
            lambda: make_dataset("circles", factor="a"),
            TypeError,
            r"circles\(factor\) must be a number, got str 'a'",
        ),
        (
            lambda: make_dataset("spiral", test_size=float("nan")),
            ValueError,
            r"split_and_standardize\(test_size\) must be in \(0, 1\), got nan",
        ),
        (
            lambda: split_and_standardize(
                *make_spiral(n_samples=30), name="x", random_state=-1
            ),
            ValueError,
            r"split_and_standardize\(random_state\) must be >= 0, got -1",
        ),
        (
            lambda: split_and_standardize(
                *make_spiral(n_samples=30), name="x", n_classes=2.5
            ),
            TypeError,
            r"split_and_standardize\(n_classes\) must be an int, got float 2.5",
        ),
    ],
)
def test_seed_test_size_and_n_classes_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "name, make",
    [
        ("moons", lambda seed: make_moons(1000, noise=0.1, random_state=seed)),
        (
            "circles",
            lambda seed: make_circles(1000, noise=0.08, factor=0.5, random_state=seed),
        ),
    ],
)
def test_random_state_seeds_the_split_too(name, make):
    expected = split_and_standardize(*make(3), name=name, random_state=3)
    np.testing.assert_array_equal(
        make_dataset(name, random_state=3).X_test, expected.X_test
    )


def test_a_constant_feature_is_centred_not_divided_by_zero():
    X = np.column_stack([np.arange(8.0), np.full(8, 3.0)])
    data = split_and_standardize(X, np.arange(8) % 2, name="c", test_size=0.25)
    assert data.std[1] == 1.0
    np.testing.assert_array_equal(data.X_test[:, 1], 0.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_split_and_standardize_refuses_non_finite_data(bad):
    X = np.arange(20.0).reshape(10, 2)
    X[3, 1] = bad  # a NaN would make the whole column NaN after standardising
    y = np.array([0, 1] * 5)
    with pytest.raises(
        ValueError,
        match=r"split_and_standardize\(X\) must hold finite numbers, got 1 "
        r"NaN or infinite value\(s\), the first at row 3, column 1",
    ):
        split_and_standardize(X, y, name="bad")
