"""Shared pieces of the hostile-input tests: a minimal TOML writer and bad values."""

from __future__ import annotations

from hypothesis import strategies as st


def dump(obj, prefix=()) -> str:
    """Minimal TOML writer for the generated documents (tables, arrays of tables, values)."""

    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v) if not isinstance(v, float) or (v == v and abs(v) != float("inf")) else (
                "nan" if v != v else ("inf" if v > 0 else "-inf"))  # fmt: skip
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f'"{k}" = {val(x)}' for k, x in v.items()) + " }"
        raise TypeError(type(v))

    lines, tables = [], []
    for k, v in obj.items():
        if isinstance(v, dict) and prefix == () and k != "rule_alignment":
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and prefix == ():
            for item in v:
                lines.append(f'\n[["{k}"]]')
                lines += [f'"{kk}" = {val(vv)}' for kk, vv in item.items()]
        else:
            lines.append(f'"{k}" = {val(v)}')
    for k, v in tables:
        lines.append(f'\n["{k}"]')
        lines += [f'"{kk}" = {val(vv)}' for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, (*path, k))
    elif isinstance(obj, list) and obj and isinstance(obj[0], dict):
        for i, v in enumerate(obj):
            yield from leaves(v, (*path, i))
    else:
        yield path


BAD_VALUES = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), max_size=2),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
)


def set_path(doc, path, value):
    cur = doc
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value


def loads_or_is_refused(load, path) -> bool:
    """``load(path)`` succeeds (True), or raises a ScenarioError that names the file and
    gives a non-empty message for each field path (False); any other exception fails."""
    from ftzsim.scenario import ScenarioError

    try:
        load(path)
        return True
    except ScenarioError as exc:
        assert str(path) in str(exc)
        assert exc.problems and all(isinstance(p, str) and isinstance(m, str) and m for p, m in exc.problems)
        return False


#: Encodings a TOML file (UTF-8 only) might wrongly arrive in.
WRONG_ENCODINGS = st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252", "gb18030"])


def encoded(text: str, encoding: str) -> bytes | None:
    """``text`` in ``encoding``, or None where the encoding cannot represent it."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return None
