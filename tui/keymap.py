"""Every key of the app, what it does in a sentence, and the names of the
form's fields in messages: data, kept apart from the app's wiring
(tui/app.py), so that help, the footer and the palette read one table."""

from __future__ import annotations

from textual.binding import Binding

from tui.run_control import RULE

# What each key does, in a sentence (help screen and command palette).
EXPLAIN = {
    "step": "Train one epoch: one update of every weight.",
    "step_many": "Train 'epochs per step' epochs (set in the form), stopping early at a stop condition.",
    "run": "Train continuously until paused, a stop condition, or divergence, at the pace set with + and -. " + RULE,
    "faster": "Run faster: the next pace of 1, 2, 5, 20, 100, 1000 epochs a second, then as fast as it can.",
    "slower": (
        "Run slower: the previous pace, down to 1 epoch a second, so a class can follow each epoch; slower still, "
        "r plays the phases of each epoch (forward, loss, deltas, gradients, update) one after another."
    ),
    "back": "Go back one epoch, exactly (works from a diverged state).",
    "back_many": "Go back 'epochs per step' epochs.",
    "reset": "Back to epoch 0: the same seed's initial weights. The run is kept: stepping replays it.",
    "log_scale": "Switch the loss chart between a linear and a logarithmic y axis.",
    "next_layer": "Show the next layer in the inspector.",
    "previous_layer": "Show the previous layer in the inspector.",
    "form": "Show or hide the hyperparameter form (escape leaves it).",
    "help": "This screen.",
    "quit": (
        "Leave backprop-tui. With more than a few hundred epochs not saved it asks first (save, quit, stay); q q quits."
    ),
    "save_session": "Save the whole run (settings, weights, history, rewind points, data) to a session file.",
    "open_session": "Open a saved session in place of this run, exactly where it was left.",
    "export": "Write the loss history (CSV), the weights (.npz), a screenshot (SVG) or a standalone Python script.",
    "open_csv": "Train on your own CSV file: the input and output layers follow its columns and classes.",
    "previous_sample": "Chain rule tab: follow the chosen weight's gradient for the previous training sample.",
    "next_sample": "Chain rule tab: follow the chosen weight's gradient for the next training sample.",
    "edit_weight": (
        "Type a new value for the weight under the cursor (or the one the Chain rule tab follows). The outputs, "
        "loss and deltas are recomputed at once at this epoch, and training goes on from the edited weights; "
        "epochs recorded after this one are kept as a faded branch. b goes back to the epoch before, unedited: "
        "stepping forward from there trains again without your edit."
    ),
    "gradient_check": (
        "Pause and check backpropagation: each parameter's gradient against the slope of the loss measured by "
        "nudging the parameter (finite differences), worst error per layer, then per parameter."
    ),
    "feedback_alignment": (
        "Switch feedback alignment on or off: the error goes back through fixed random matrices instead of the "
        "weights. It needs a new network, so it asks first."
    ),
    "next_insight": (
        "Show the next tab of the lower-right panel: outputs, map (decision boundary), health, chain rule, pictures."
    ),
    "view_weights": "Show the layer's Weights table: W and b (enter on a cell chooses that weight).",
    "view_grads": (
        "Show the layer's Gradients table: dW and db, what the next update subtracts times the learning rate."
    ),
    "view_deltas": "Show the layer's Deltas table: the error signal dLoss/dz of every sample at every unit.",
    "view_acts": "Show the layer's Activations table: z and a = f(z) of every sample at every unit.",
    "focus_layout": (
        "Switch the focus layout for a projector: only the layer tables and a full-width loss chart, larger; "
        "z again brings the other panels back. --theme backprop-projector gives high contrast."
    ),
    "lessons": (
        "Open a lesson: a named scenario (the classic XOR, a plateau, dead ReLUs, a learning rate too high, ...) "
        "with its settings and a short text on what to watch and what to press."
    ),
    "bug_lab": (
        "Bug lab: train with one classic backprop bug planted on purpose (or the verified engine again), or a "
        "quiz that hides which one; during a quiz, k is where you guess and see the planted line."
    ),
    "check_file": (
        "Check your own forward/backward file against the engine at the weights on screen: which layer and "
        "quantity first differs, and the classic bug it looks like (as backprop-tui check FILE.py)."
    ),
    "map_regions": (
        "Map tab (the decision boundary): switch between the network's probabilities (shade = how sure) and flat class "
        "regions with their borders drawn."
    ),
    # Issue 11: phases, the network diagram, jumping.
    "step_phase": (
        "Step one phase of the epoch: forward through each layer, the loss, the output delta, each hidden "
        "delta, the gradients, the update. The Network panel names the phase and shows its formula with this "
        "epoch's numbers; the tables mark the cells it computes. After the update the epoch has advanced, "
        "exactly as one step (space) gives it."
    ),
    "back_phase": "Back one phase (from the start of an epoch: to the previous epoch's update).",
    "jump_epoch": "Jump to an epoch by number: recorded epochs exactly, by rewind; a later one is trained to.",
    "diagram_edges": "Network panel: colour the edges by the weights W or by their gradients dW.",
    "diagram_nodes": "Network panel: colour the nodes by activation a, by delta, or not at all.",
    "diagram_sample": "Network panel: node values of the batch mean, or of one training sample after another.",
    "network_full": "Show the Network panel (diagram and phases) over the whole window, or put it back.",
    # Issue 14, item 2: tui/screens/side_by_side.py
    "side_by_side": (
        "Side by side: your run's settings (left) against the same with one change (right): backprop vs "
        "feedback alignment, two learning rates, two inits, momentum, ... Both train in lockstep from epoch 0, "
        "from the same weights (each from its own when the init or seed differs), both loss curves on one "
        "chart and both maps. Your run is kept as it was."
    ),
}

# How a hot change is named in its notification.
FIELD_LABELS = {
    "lr": "learning rate",
    "l1": "L1 penalty",
    "l2": "L2 penalty",
    "beta1": "Adam beta1",
    "beta2": "Adam beta2",
    "eps": "Adam epsilon",
    "batch_size": "batch size",
    "epochs_per_step": "epochs per step",
    "max_epochs": "epoch limit",
    "target_loss": "target loss",
    "stop_at_full_accuracy": "stop at full accuracy",
}

# Fields about how far to train, not how: no "applies from epoch N".
STEPPING_FIELDS = frozenset({"epochs_per_step", "max_epochs", "target_loss", "stop_at_full_accuracy"})

# Keys that open a dialog, or move the focus to a field (the form): the keys
# typed right behind one wait until it can take them, and then go to it in
# order (tui/type_ahead.py), so a path typed fast after `c` is not lost.
OPENS_A_DIALOG = frozenset(
    {
        "open_csv",
        "open_session",
        "save_session",
        "export",
        "jump_epoch",
        "edit_weight",
        "check_file",
        "gradient_check",
        "help",
        "lessons",
        "bug_lab",
        "side_by_side",
        "form",
    }
)

# The footer shows every key, most used first (it scrolls sideways on a
# small terminal); F1 and ctrl+p explain each one in a sentence.
STEP = Binding.Group("Step")
BACK = Binding.Group("Back")
PHASE = Binding.Group("Phase")
LAYER = Binding.Group("Layer")
SAMPLE = Binding.Group("Sample")
VIEW = Binding.Group("View")
BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("space", "step", "Step 1 epoch", id="step", group=STEP),
    Binding("n", "step_many", "Step N epochs", id="step_many", group=STEP),
    # Inside an epoch, phase by phase (issue 11): early in the footer, so a small terminal shows it.
    Binding("s", "step_phase", "Phase", id="step_phase", tooltip="Step one phase", group=PHASE),
    Binding("S", "back_phase", "Phase back", id="back_phase", tooltip="Back one phase", group=PHASE),
    Binding("r,p", "toggle_run", "Run/pause", id="run"),
    Binding("plus,equals_sign", "pace(1)", "Faster", id="faster", key_display="+"),
    Binding("minus", "pace(-1)", "Slower", id="slower", key_display="-"),
    Binding("b", "back_epoch", "Back 1 epoch", id="back", group=BACK),
    Binding("B,shift+left", "back_many", "Back N epochs", id="back_many", key_display="B", group=BACK),
    Binding("0,ctrl+r", "reset", "Reset", id="reset"),
    Binding("f1", "help", "Help", id="help"),
    Binding("q", "quit", "Quit", id="quit"),
    Binding("l", "toggle_log", "Log", id="log_scale"),
    Binding(
        "left_square_bracket", "previous_layer", "Previous layer", id="previous_layer", key_display="[", group=LAYER
    ),
    Binding("right_square_bracket", "next_layer", "Next layer", id="next_layer", key_display="]", group=LAYER),
    Binding("v", "next_insight", "Tab", id="next_insight", tooltip="Next insight tab"),
    Binding("comma", "previous_sample", "Previous sample", id="previous_sample", key_display=",", group=SAMPLE),
    Binding("full_stop", "next_sample", "Next sample", id="next_sample", key_display=".", group=SAMPLE),
    Binding("e", "edit_weight", "Edit", id="edit_weight", tooltip="Edit weight"),
    Binding("g", "gradient_check", "Grad check", id="gradient_check", tooltip="Gradient check"),
    Binding("d", "toggle_regions", "Regions", id="map_regions", tooltip="Map: regions or probabilities"),
    Binding("f", "toggle_feedback", "Feedback", id="feedback_alignment", tooltip="Feedback alignment"),
    Binding("h", "toggle_form", "Form", id="form"),
    Binding("x", "export", "Export", id="export"),
    Binding("c", "open_csv", "CSV", id="open_csv", tooltip="Open CSV data"),
    Binding("ctrl+s", "save_session", "Save", id="save_session", tooltip="Save session"),
    Binding("ctrl+o", "open_session", "Open", id="open_session", tooltip="Open session"),
    Binding("escape", "leave_form", "Leave form", show=False, id="leave_form"),
    # Bug lab and learner check (issue 12): tui/screens/bug_lab.py, tui/screens/check_report.py
    Binding("k", "bug_lab", "Bug lab", id="bug_lab", tooltip="Bug lab and quiz"),
    Binding("K", "check_file", "Check file", id="check_file", tooltip="Check your backward pass"),
    # Issue 11: phases, the network diagram, jumping.
    Binding("j", "jump_epoch", "Jump", id="jump_epoch", tooltip="Jump to epoch"),
    Binding("w", "diagram_edges", "W/dW", id="diagram_edges", tooltip="Diagram edges: W or dW"),
    Binding("a", "diagram_nodes", "a/delta", id="diagram_nodes", tooltip="Diagram nodes: a, delta or none"),
    Binding("m", "diagram_sample", "Mean/sample", id="diagram_sample", tooltip="Diagram: batch mean or a sample"),
    Binding("N", "network_full", "Network", id="network_full", tooltip="Network panel full screen"),
    Binding("t", "lessons", "Lessons", id="lessons", tooltip="Lessons menu"),
    Binding("1", "view('weights')", "Weights", id="view_weights", group=VIEW),
    Binding("2", "view('grads')", "Gradients", id="view_grads", group=VIEW),
    Binding("3", "view('deltas')", "Deltas", id="view_deltas", group=VIEW),
    Binding("4", "view('acts')", "Activations", id="view_acts", group=VIEW),
    Binding("z", "focus_layout", "Focus", id="focus_layout", tooltip="Focus layout (projector)"),
    Binding("o", "side_by_side", "Compare", id="side_by_side", tooltip="Side by side comparison"),
]

# The side-by-side screen's own keys (tui/screens/side_by_side.py): its footer and its F1 read these.
SIDE_BY_SIDE_EXPLAIN = {
    "sbs_step": "Train both sides one epoch.",
    "sbs_step_many": "Train both sides 'epochs per step' epochs (your run's setting), in small batches.",
    "sbs_run": "Run both sides in lockstep until paused (r or p); a pause answers at once.",
    "sbs_back": "Both sides back one epoch, exactly (stepping on replays the same epochs).",
    "sbs_reset": "Both sides back to epoch 0.",
    "sbs_choose": "Choose another comparison (the one on screen is dropped).",
    "sbs_log": "Switch the loss chart between a linear and a logarithmic y axis.",
    "sbs_regions": "Switch both maps between probabilities (shade = how sure) and flat class regions.",
    "sbs_help": "This screen.",
    "sbs_leave": "Back to your run, exactly as it was (the comparison is dropped).",
}
SIDE_BY_SIDE_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("space", "step", "Step 1 epoch", id="sbs_step"),
    Binding("n", "step_many", "Step N epochs", id="sbs_step_many"),
    Binding("r,p", "toggle_run", "Run/pause", id="sbs_run"),
    Binding("b", "back_epoch", "Back 1 epoch", id="sbs_back"),
    Binding("0", "reset", "Reset", id="sbs_reset"),
    Binding("c", "choose", "Choose", id="sbs_choose", tooltip="Choose another comparison"),
    Binding("l", "toggle_log", "Log", id="sbs_log"),
    Binding("d", "toggle_regions", "Regions", id="sbs_regions", tooltip="Maps: regions/probabilities"),
    Binding("f1", "help", "Help", id="sbs_help"),
    Binding("escape,q", "leave", "Back to run", id="sbs_leave", tooltip="Back to your run"),
]
