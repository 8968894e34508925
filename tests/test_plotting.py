"""Plotting helpers: they draw what they promise and return figures/axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection

import mytorch
from mytorch import nn
from mytorch.atlas import panels
from mytorch.book import geometry, plotting, surfaces


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fixed_model(n_classes=3):
    """Logits = X @ W.T: class k wins in a sector of the plane."""
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, n_classes, bias=False))
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    model[0].weight.data[...] = np.column_stack([np.cos(angles), np.sin(angles)])
    return model


def points(n=30):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 2))
    return X, np.arange(n) % 3


def test_book_style_sets_book_width_figures():
    plotting.book_style()
    assert matplotlib.rcParams["figure.dpi"] == 100  # 6.4 inches shown 640 px wide
    assert matplotlib.rcParams["axes.spines.top"] is False


def test_predict_grid_matches_the_model():
    model = fixed_model()
    xx, yy, classes = plotting.predict_grid(model, (-1, 1), (-1, 1), resolution=11)
    assert xx.shape == yy.shape == classes.shape == (11, 11)
    assert classes[5, 10] == 0  # the point (1, 0) is closest to direction 0
    expected = model(np.column_stack([xx.ravel(), yy.ravel()])).argmax(axis=1)
    np.testing.assert_array_equal(classes.ravel(), expected)
    with pytest.raises(ValueError, match="resolution must be >= 2, got 1"):
        plotting.predict_grid(model, (-1, 1), (-1, 1), resolution=1)


def test_predict_grid_uses_the_model_dtype():
    model = fixed_model().to(np.float32)
    seen = []
    forward = model.forward

    def spy(x):
        seen.append(x.dtype)
        return forward(x)

    model.forward = spy
    plotting.predict_grid(model, (-1, 1), (-1, 1), resolution=3)
    assert seen == [np.float32]


def test_decision_boundary_draws_regions_boundaries_and_points():
    X, y = points()
    model = fixed_model()
    model.train()
    ax = plotting.decision_boundary(model, X, y, title="t")
    assert not model.training  # predictions come from eval mode
    assert ax.get_title() == "t"
    assert len(ax.collections) >= 3  # filled regions, boundary lines, points
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_array_equal(np.asarray(offsets), X)
    assert ax.get_xticks().size == 0
    lo, hi = ax.get_xlim()
    assert lo == pytest.approx(X[:, 0].min() - 0.5) and hi == pytest.approx(
        X[:, 0].max() + 0.5
    )


class _HalfPlanes(nn.Module):
    """Class `left` where x < 0, class `right` where x > 0, out of three."""

    def __init__(self, left, right):
        self.left, self.right = left, right

    def forward(self, x):
        logits = np.zeros((len(x), 3))
        logits[:, self.left] = -x[:, 0]
        logits[:, self.right] = x[:, 0]
        return logits


def _border_length(left, right):
    fig, ax = plt.subplots()
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    plotting.decision_boundary(
        _HalfPlanes(left, right),
        X,
        np.array([left, right]),
        ax=ax,
        n_classes=3,
        resolution=50,
    )
    lines = [
        path.vertices
        for c in ax.collections[:-1]
        if hasattr(c, "get_paths")
        and c.get_linewidth().size
        and not c.get_facecolor().size
        for path in c.get_paths()
        if len(path.vertices)
    ]
    plt.close(fig)
    return sum(np.abs(np.diff(v, axis=0)).sum() for v in lines)


def test_every_border_is_drawn_alike_whatever_the_class_numbers():
    # the border between classes 0 and 2 is as heavy as the one between 0 and 1
    length_02, length_01 = _border_length(0, 2), _border_length(0, 1)
    assert length_01 > 0 and length_02 == pytest.approx(length_01)


def test_decision_boundary_rejects_points_not_in_the_plane():
    with pytest.raises(
        ValueError, match=r"X must have shape \(N, 2\) .*got shape \(4, 3\)"
    ):
        plotting.decision_boundary(
            fixed_model(), np.zeros((4, 3)), np.zeros(4, dtype=int)
        )


def test_decision_grid_has_one_panel_per_model():
    X, y = points()
    models = [[fixed_model() for _ in range(4)] for _ in range(3)]
    notes = [[f"{i}{j}" for j in range(4)] for i in range(3)]
    fig = panels.decision_grid(
        models,
        X,
        y,
        row_labels=["a", "b", "c"],
        col_labels=["p", "q", "r", "s"],
        notes=notes,
        resolution=20,
    )
    assert len(fig.axes) == 12
    assert [ax.get_title() for ax in fig.axes[:4]] == ["p", "q", "r", "s"]
    assert [fig.axes[i].get_ylabel() for i in (0, 4, 8)] == ["a", "b", "c"]
    assert fig.axes[5].texts[0].get_text() == "11"
    with pytest.raises(
        ValueError, match="expected 3 row_labels and 4 col_labels, got 2 and 4"
    ):
        panels.decision_grid(models, X, y, row_labels=["a", "b"], col_labels="pqrs")


def test_convergence_curves_one_line_per_run():
    histories = {
        "a": {"train_loss": [1.0, 0.5, 0.2]},
        "b": {"train_loss": [1.0, 0.9, 0.8]},
    }
    ax = panels.convergence_curves(histories)
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    with pytest.raises(
        ValueError, match=r"metric must be one of \['train_loss'\], got 'x'"
    ):
        panels.convergence_curves(histories, metric="x")


def test_layer_outputs_follow_the_modules():
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    X, _ = points(5)
    outputs = geometry.layer_outputs(model, X)
    assert [o.shape for o in outputs] == [(5, 2), (5, 4), (5, 4), (5, 2)]
    np.testing.assert_allclose(outputs[2], np.tanh(outputs[1]))
    np.testing.assert_allclose(outputs[-1], model(X))


def test_warped_grid_draws_the_image_of_each_grid_line():
    ax = geometry.warped_grid(
        lambda p: 2 * p, xlim=(0, 1), ylim=(0, 1), n_lines=3, resolution=5
    )
    assert len(ax.lines) == 6
    np.testing.assert_allclose(ax.lines[0].get_xdata(), 0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.linspace(0, 2, 5))
    with pytest.raises(
        ValueError,
        match=r"transform must map \(N, 2\) to \(N, 2\), got "
        r"output of shape \(30, 3\)",
    ):
        geometry.warped_grid(lambda p: np.zeros((len(p), 3)), n_lines=3, resolution=5)


def test_scatter_colours_by_class():
    X, y = points()
    ax = plotting.scatter_classes(X, y, n_classes=3)
    assert len(ax.collections) == 1
    with pytest.raises(ValueError, match=r"n_classes must be in \[1, 10\], got 11"):
        plotting.scatter_classes(X, y, n_classes=11)


def test_plot_paths_draws_contours_paths_ends_and_the_minimum():
    from mytorch import optim

    paths = {
        "SGD": surfaces.run_optimizer(
            optim.SGD, surfaces.bowl_grad, [-4.0, 1.5], 10, lr=0.04
        ),
        "Adam": surfaces.run_optimizer(
            optim.Adam, surfaces.bowl_grad, [-4.0, 1.5], 10, lr=0.1
        ),
    }
    fig, ax = plt.subplots()
    surfaces.plot_paths(
        ax,
        surfaces.bowl,
        paths,
        (-4.5, 1.5),
        (-1.8, 1.8),
        np.geomspace(0.02, 30, 5),
        (0, 0),
    )
    assert ax.collections, "no contours"
    labelled = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert [line.get_label() for line in labelled] == ["SGD", "Adam"]
    np.testing.assert_array_equal(labelled[0].get_xydata(), paths["SGD"])
    assert len(ax.lines) == 2 * len(paths) + 1  # path and end dot each, one star
    assert ax.get_xlim() == (-4.5, 1.5)
    plt.close(fig)


def test_layer_outputs_runs_in_eval_mode():
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    outputs = geometry.layer_outputs(
        model, np.random.default_rng(0).standard_normal((5, 2))
    )
    assert not model.training
    np.testing.assert_array_equal(outputs[2], outputs[1])  # dropout is the identity


def test_predict_grid_spans_xlim_along_x_and_ylim_along_y():
    xx, yy, _ = plotting.predict_grid(
        nn.Sequential(nn.Linear(2, 3)), (0, 1), (10, 20), resolution=3
    )
    assert xx[0].tolist() == [0, 0.5, 1] and yy[:, 0].tolist() == [10, 15, 20]


def test_layer_outputs_feeds_a_float32_model_float32():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh()).to(np.float32)
    outputs = geometry.layer_outputs(model, np.zeros((4, 2)))
    assert [o.dtype for o in outputs] == [np.float32] * 3


def test_predict_grid_caches_nothing_for_backward():
    model = fixed_model()
    X = np.ones((4, 2))
    n_classes = model.train()(X).shape[1]
    plotting.predict_grid(model, (-1, 1), (-1, 1), resolution=5)
    model.train()
    assert model.backward(np.ones((4, n_classes))).shape == (
        4,
        2,
    )  # the cache of X, not of the grid
    model.eval()
    with pytest.raises(RuntimeError, match="in eval mode"):
        model.backward(np.ones((25, 3)))


@pytest.mark.parametrize(
    "call, name",
    [
        (
            lambda: plotting.decision_boundary(
                fixed_model(), np.zeros((2, 2)), [0, 1], ticks="no"
            ),
            r"decision_boundary\(ticks\)",
        ),
        (
            lambda: panels.convergence_curves({"a": {"train_loss": [1.0]}}, legend=1),
            r"convergence_curves\(legend\)",
        ),
        (
            lambda: panels.convergence_curves(
                {"a": {"train_loss": [1.0]}}, logy="False"
            ),
            r"convergence_curves\(logy\)",
        ),
    ],
)
def test_boolean_arguments_must_be_bools(call, name):
    with pytest.raises(TypeError, match=name + " must be a bool, got"):
        call()
    plt.close("all")


def test_confidence_runs_from_even_odds_to_certainty_without_overflow():
    with np.errstate(
        over="raise", divide="raise", invalid="raise"
    ):  # underflow to 0 is exact here
        sure = plotting.confidence(
            np.array([[0.0, 0.0, 0.0], [1e4, 0.0, -1e4], [2.0, 0.0, 0.0]])
        )
    p_max = np.exp(2) / (np.exp(2) + 2)
    np.testing.assert_allclose(sure, [0.0, 1.0, (p_max - 1 / 3) / (2 / 3)])


def test_decision_regions_are_deeper_where_the_model_is_surer():
    fig, ax = plt.subplots()
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    plotting.decision_boundary(
        _HalfPlanes(0, 1),
        X,
        np.array([0, 1]),
        ax=ax,
        n_classes=3,
        resolution=40,
        margin=4.0,
    )
    filled = [
        c
        for c in ax.collections
        if c.get_facecolor().size and not isinstance(c, PathCollection)
    ]  # not the points
    alphas = sorted(
        {round(float(a), 3) for c in filled for a in c.get_facecolor()[:, 3]}
    )
    assert alphas == sorted(
        plotting.CONFIDENCE_ALPHAS
    )  # every band appears: far from x = 0
    plt.close(fig)


def test_misclassified_points_are_ringed_under_the_points():
    fig, ax = plt.subplots()
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-2.0, 0.0], [2.0, 0.5]])
    y = np.array([0, 1, 1, 1])  # the third point lies in class 0's half
    plotting.decision_boundary(
        _HalfPlanes(0, 1), X, y, ax=ax, n_classes=3, resolution=20
    )
    rings, points = ax.collections[-2], ax.collections[-1]
    np.testing.assert_array_equal(np.asarray(rings.get_offsets()), X[[2]])
    np.testing.assert_array_equal(np.asarray(points.get_offsets()), X)
    plt.close(fig)


def test_plot_paths_keeps_paths_that_run_together_visible():
    from mytorch import optim

    short = surfaces.run_optimizer(
        optim.SGD, surfaces.bowl_grad, [-4.0, 1.5], 10, lr=0.04
    )
    long = surfaces.run_optimizer(
        optim.SGD, surfaces.bowl_grad, [-4.0, 1.5], 200, lr=0.04
    )
    fig, ax = plt.subplots()
    surfaces.plot_paths(
        ax,
        surfaces.bowl,
        {"a": long, "b": long, "c": short},
        (-4.5, 1.5),
        (-1.8, 1.8),
        np.geomspace(0.02, 30, 5),
        (0, 0),
    )
    a, b, c = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert a.get_zorder() > b.get_zorder() > c.get_zorder()  # the first on top ...
    assert a.get_linewidth() < b.get_linewidth()  # ... and thinnest
    assert c.get_linewidth() == 1 and c.get_marker() == "."  # a short path: dots
    assert a.get_marker() in ("None", "", None)
    plt.close(fig)
