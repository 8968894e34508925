"""What `Module.load_state_dict` returns."""
from collections import namedtuple

#: The keys `load_state_dict` did not find, and those it did not expect (PyTorch's fields).
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
