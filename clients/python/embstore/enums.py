"""Lets callers name enum values in plain words ("fine-tune", "lazy-adam") as well as by number."""
from embstore._stubs import pb

_PREFIXES = {
    "TrainMode": "TRAIN_MODE_",
    "UnknownPolicy": "UNKNOWN_POLICY_",
    "InitKind": "INIT_KIND_",
    "OptimizerKind": "OPTIMIZER_KIND_",
    "VectorFormat": "VECTOR_FORMAT_",
    "PushKind": "PUSH_KIND_",
    "OnFrozen": "ON_FROZEN_",
    "SentenceWeighting": "SENTENCE_WEIGHTING_",
}


def enum_value(enum_name, value):
    """``enum_value("TrainMode", "fine-tune")`` -> ``pb.TRAIN_MODE_FINE_TUNE``; ints and None (0) pass through."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    wrapper = getattr(pb, enum_name)
    name = _PREFIXES[enum_name] + str(value).upper().replace("-", "_")
    try:
        return wrapper.Value(name)
    except ValueError:
        known = ", ".join(n[len(_PREFIXES[enum_name]):].lower().replace("_", "-") for n in wrapper.keys())
        raise ValueError(f"unknown {enum_name} {value!r}; expected one of: {known}") from None
