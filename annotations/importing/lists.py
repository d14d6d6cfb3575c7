"""List labels: which kind of counter a label is ("1", "a", "iv"), shared by the parsers."""

_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]


def label_kind(value: str, previous: dict[str, str]) -> str | None:
    """ "number", "alpha-lower", "roman-upper"...; None when a letter does not follow on.

    `previous` maps a kind to the last value seen at an enclosing or sibling level. A letter or
    numeral must start a list ("a", "i") or follow the last one of its kind ("b" after "a"): that
    keeps "I. M. Pei" out and tells "i" after "h" (a letter) from "i" after "a." (a numeral).
    """
    if value.isdigit():
        return "number"
    for case, transform in (("lower", str.lower), ("upper", str.upper)):
        if value != transform(value):
            continue
        roman, alpha = f"roman-{case}", f"alpha-{case}"
        lower = value.lower()
        if alpha in previous and len(previous[alpha]) == 1 and lower == chr(ord(previous[alpha].lower()) + 1):
            return alpha
        if roman in previous and previous[roman].lower() in _ROMAN[:-1]:
            if lower == _ROMAN[_ROMAN.index(previous[roman].lower()) + 1]:
                return roman
        if lower == "a":
            return alpha
        if lower == "i" and roman not in previous:
            return roman
    return None
