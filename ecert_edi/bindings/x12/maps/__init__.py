"""pyx12 maps for the test oracle (10.2), self-authored: `python -m ecert_edi.bindings.x12.maps`.

Nothing here is ASC X12 material: only the segments and elements this binding reads and writes,
with our code lists.  `MAP_PATH` is the directory to give `pyx12.x12n_document(map_path=...)`;
`render()` is what the files hold (a test fails when they are stale).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

MAP_PATH = Path(__file__).resolve().parent

# Data elements (number: type, min, max).  One file serves both versions, so DE 127 is 1/50 in
# 00401 too (a pyx12 limitation, spec 10.3).
DATA_ELEMENTS = {
    "I01": ("ID", 2, 2), "I02": ("AN", 10, 10), "I03": ("ID", 2, 2), "I04": ("AN", 10, 10),
    "I05": ("ID", 2, 2), "I06": ("AN", 15, 15), "I07": ("AN", 15, 15), "I08": ("DT", 6, 6),
    "I09": ("TM", 4, 4), "I10": ("ID", 1, 1), "I65": ("AN", 1, 1), "I11": ("ID", 5, 5),
    "I12": ("N0", 9, 9), "I13": ("ID", 1, 1), "I14": ("ID", 1, 1), "I15": ("AN", 1, 1),
    "I16": ("N0", 1, 5), "I17": ("ID", 1, 1), "I18": ("ID", 3, 3),
    "479": ("ID", 2, 2), "142": ("AN", 2, 15), "124": ("AN", 2, 15), "373": ("DT", 8, 8),
    "337": ("TM", 4, 8), "28": ("N0", 1, 9), "455": ("ID", 1, 2), "480": ("AN", 1, 12),
    "143": ("ID", 3, 3), "329": ("AN", 4, 9), "1705": ("AN", 1, 35), "96": ("N0", 1, 10),
    "97": ("N0", 1, 6), "128": ("ID", 2, 3), "127": ("AN", 1, 50), "449": ("AN", 1, 80),
    "721": ("ID", 2, 3), "719": ("N0", 1, 10), "447": ("AN", 1, 4), "620": ("ID", 1, 3),
    "720": ("ID", 1, 3), "722": ("N0", 1, 2), "1528": ("N0", 1, 2), "1686": ("N0", 1, 4),
    "725": ("N0", 1, 4), "621": ("ID", 1, 3), "723": ("ID", 1, 3), "724": ("AN", 1, 99),
    "717": ("ID", 1, 1), "618": ("ID", 1, 3), "718": ("ID", 1, 3), "715": ("ID", 1, 1),
    "123": ("N0", 1, 6), "2": ("N0", 1, 6), "716": ("ID", 1, 3),
}

TA1_NOTES = [f"{n:03d}" for n in range(32)]
SEGMENT_CODES = ["1", "2", "3", "4", "5", "6", "7", "8"]
ELEMENT_CODES = [str(n) for n in range(1, 14)]
SET_CODES = [str(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19,
                              23, 24, 25, 26, 27)]
GROUP_CODES = [str(n) for n in (1, 2, 3, 4, 5, 6, 17, 18, 19, 23, 24, 25, 26)]


def E(xid, de, usage="R", codes=None):
    return ("element", xid, de, usage, codes)


def C(de, usage, *elements):
    return ("composite", de, usage, elements)


def S(xid, pos, usage="R", max_use="1", *elements):
    return ("segment", xid, pos, usage, max_use, elements)


def L(xid, pos, usage, repeat, *children, kind="explicit"):
    return ("loop", xid, pos, usage, repeat, kind, children)


def _isa(version):
    isa11 = E("ISA11", "I65") if version == "00501" else E("ISA11", "I10", codes=["U"])
    return S("ISA", "0100", "R", "1",
             E("ISA01", "I01", codes=["00"]), E("ISA02", "I02"), E("ISA03", "I03", codes=["00"]),
             E("ISA04", "I04"), E("ISA05", "I05", codes=["01", "14", "ZZ"]), E("ISA06", "I06"),
             E("ISA07", "I05", codes=["01", "14", "ZZ"]), E("ISA08", "I07"), E("ISA09", "I08"),
             E("ISA10", "I09"), isa11, E("ISA12", "I11", codes=[version]),
             E("ISA13", "I12"), E("ISA14", "I13", codes=["0", "1"]),
             E("ISA15", "I14", codes=["P", "T"]), E("ISA16", "I15"))


def _gs(gs01, gs08):
    return S("GS", "0100", "R", "1",
             E("GS01", "479", codes=gs01), E("GS02", "142"), E("GS03", "124"), E("GS04", "373"),
             E("GS05", "337"), E("GS06", "28"), E("GS07", "455", codes=["X"]),
             E("GS08", "480", codes=gs08))


def _trailers():
    ta1 = S("TA1", "0200", "S", "1", E("TA101", "I12"), E("TA102", "I08"), E("TA103", "I09"),
            E("TA104", "I17", codes=["A", "E", "R"]), E("TA105", "I18", codes=TA1_NOTES))
    iea = S("IEA", "0300", "R", "1", E("IEA01", "I16"), E("IEA02", "I12"))
    ge = S("GE", "0300", "R", "1", E("GE01", "97"), E("GE02", "28"))
    return ta1, iea, ge


def _st(set_id, st03):
    elements = [E("ST01", "143", codes=[set_id]), E("ST02", "329")]
    if st03:
        elements.append(E("ST03", "1705", codes=st03))
    return S("ST", "0050", "R", "1", *elements)


def _se(pos="0800"):
    return S("SE", pos, "R", "1", E("SE01", "96"), E("SE02", "329"))


def _interchange(xid, name, version, gs01, gs08, body):
    ta1, iea, ge = _trailers()
    st_loop = L("ST_LOOP", "0200", "R", ">1", *body)
    return ("transaction", xid, name,
            L("ISA_LOOP", "0010", "R", ">1", _isa(version),
              L("GS_LOOP", "0020", "R", ">1", _gs(gs01, gs08), st_loop, ge), ta1, iea))


def _map_996(version):
    # ST, BGF, K3, SE directly in the ST loop: with a wrapper loop a repeated BGF is IK304 4
    # and a missing one cascades (10.2).
    gs08 = "005010ECERT" if version == "00501" else "004010ECERT"
    body = [_st("996", ["005010ECERT"] if version == "00501" else None),
            S("BGF", "0100", "R", "1", E("BGF01", "143", "S", ["996"]),
              E("BGF02", "128", codes=["ZZ"]), E("BGF03", "127")),
            S("K3", "0200", "R", ">1", E("K301", "449")),
            _se()]
    return _interchange("996", "eCERT File Transfer 996", version, ["FT"], [gs08], body)


def _map_999():
    ik3 = S("IK3", "0400", "R", "1", E("IK301", "721"), E("IK302", "719"), E("IK303", "447", "S"),
            E("IK304", "620", "S", SEGMENT_CODES))
    ik4 = S("IK4", "0600", "R", "1", C("C030", "R", E("IK401-01", "722"),
                                          E("IK401-02", "1528", "S"), E("IK401-03", "1686", "S")),
            E("IK402", "725", "S"), E("IK403", "621", codes=ELEMENT_CODES), E("IK404", "724", "S"))
    ik5 = S("IK5", "0700", "R", "1", E("IK501", "717", codes=["A", "E", "R"]),
            *[E(f"IK50{n}", "618", "S", SET_CODES + ["I6"]) for n in range(2, 7)])
    ak2_loop = L("2000", "0300", "S", ">1",
                 S("AK2", "0300", "R", "1", E("AK201", "143", codes=["996"]), E("AK202", "329"),
                   E("AK203", "1705", "S")),
                 L("2100", "0400", "S", ">1", ik3, L("2110", "0600", "S", ">1", ik4)),
                 ik5)
    body = [_st("999", ["005010ECERT"]),
            S("AK1", "0200", "R", "1", E("AK101", "479", codes=["FT"]), E("AK102", "28"),
              E("AK103", "480")),
            ak2_loop,
            _ak9(),
            _se("1000")]
    return _interchange("999", "eCERT Implementation Acknowledgment 999", "00501", ["FA"],
                        ["005010ECERT"], body)


def _ak9():
    return S("AK9", "0900", "R", "1", E("AK901", "715", codes=["A", "E", "P", "R"]),
             E("AK902", "97"), E("AK903", "123"), E("AK904", "2"),
             *[E(f"AK90{n}", "716", "S", GROUP_CODES) for n in range(5, 10)])


def _map_997():
    ak3 = S("AK3", "0400", "R", "1", E("AK301", "721"), E("AK302", "719"), E("AK303", "447", "S"),
            E("AK304", "720", "S", SEGMENT_CODES))
    ak4 = S("AK4", "0500", "S", "99", C("C030", "R", E("AK401-01", "722"),
                                           E("AK401-02", "1528", "S")),
            E("AK402", "725", "S"), E("AK403", "723", codes=ELEMENT_CODES), E("AK404", "724", "S"))
    ak5 = S("AK5", "0600", "R", "1", E("AK501", "717", codes=["A", "E", "R"]),
            *[E(f"AK50{n}", "718", "S", SET_CODES) for n in range(2, 7)])
    ak2_loop = L("AK2", "0300", "S", ">1",
                 S("AK2", "0300", "R", "1", E("AK201", "143", codes=["996"]), E("AK202", "329")),
                 L("AK3", "0400", "S", ">1", ak3, ak4),
                 ak5)
    body = [_st("997", None),
            S("AK1", "0200", "R", "1", E("AK101", "479", codes=["FT"]), E("AK102", "28")),
            ak2_loop, _ak9(), _se("1000")]
    # pyx12 writes its own 997 with GS08 = ISA12 (10.3): accepted so its answers validate too.
    return _interchange("997", "eCERT Functional Acknowledgment 997", "00401", ["FA"],
                        ["004010ECERT", "00401"], body)


def _control(version):
    ta1, iea, ge = _trailers()
    gs08 = ["005010ECERT"] if version == "00501" else ["004010ECERT", "00401"]
    # GS_LOOP situational: a TA1 file (5.1) has no group, and validates too.
    return ("transaction", "X12", "X12 Control",
            L("ISA_LOOP", "0010", "R", ">1", _isa(version),
              L("GS_LOOP", "0020", "S", ">1", _gs(["FT", "FA"], gs08), ge), ta1, iea))


def _xml(node, depth=1) -> list[str]:
    pad = "  " * depth
    kind = node[0]
    if kind == "element":
        _, xid, de, usage, codes = node
        seq = xid.split("-")[-1][-2:]
        lines = [f'{pad}<element xid="{xid}">', f"{pad}  <data_ele>{de}</data_ele>",
                 f"{pad}  <name>{xid}</name>", f"{pad}  <usage>{usage}</usage>",
                 f"{pad}  <seq>{seq}</seq>"]
        if codes:
            lines.append(f"{pad}  <valid_codes>")
            lines += [f"{pad}    <code>{escape(c)}</code>" for c in codes]
            lines.append(f"{pad}  </valid_codes>")
        return lines + [f"{pad}</element>"]
    if kind == "composite":
        _, de, usage, elements = node
        lines = [f"{pad}<composite>", f"{pad}  <data_ele>{de}</data_ele>",
                 f"{pad}  <name>{de}</name>", f"{pad}  <usage>{usage}</usage>",
                 f"{pad}  <seq>01</seq>"]
        for e in elements:
            lines += _xml(e, depth + 1)
        return lines + [f"{pad}</composite>"]
    if kind == "segment":
        _, xid, pos, usage, max_use, elements = node
        lines = [f'{pad}<segment xid="{xid}">', f"{pad}  <name>{xid}</name>",
                 f"{pad}  <usage>{usage}</usage>", f"{pad}  <pos>{pos}</pos>",
                 f"{pad}  <max_use>{escape(max_use)}</max_use>"]
        for e in elements:
            lines += _xml(e, depth + 1)
        return lines + [f"{pad}</segment>"]
    if kind == "loop":
        _, xid, pos, usage, repeat, loop_kind, children = node
        lines = [f'{pad}<loop xid="{xid}" type="{loop_kind}">', f"{pad}  <name>{xid}</name>",
                 f"{pad}  <usage>{usage}</usage>", f"{pad}  <pos>{pos}</pos>",
                 f"{pad}  <repeat>{escape(repeat)}</repeat>"]
        for c in children:
            lines += _xml(c, depth + 1)
        return lines + [f"{pad}</loop>"]
    _, xid, name, root = node
    return ['<?xml version="1.0" encoding="UTF-8"?>',
            "<!-- Generated by ecert_edi.bindings.x12.maps; self-authored, no ASC X12 material. -->",
            f'<transaction xid="{xid}">', f"  <name>{escape(name)}</name>", *_xml(root, 1),
            "</transaction>"]


def render() -> dict[str, str]:
    """Every file of the map directory, by name."""
    files = {
        "x12.control.00501.xml": _control("00501"),
        "x12.control.00401.xml": _control("00401"),
        "996.5010.ECERT.xml": _map_996("00501"),
        "996.4010.ECERT.xml": _map_996("00401"),
        "999.5010.ECERT.xml": _map_999(),
        "997.4010.ECERT.xml": _map_997(),
    }
    out = {name: "\n".join(_xml(tree)) + "\n" for name, tree in files.items()}
    out["dataele.xml"] = "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>', "<data_elements>"]
        + [f'  <data_ele ele_num="{n}" data_type="{t}" min_len="{lo}" max_len="{hi}" name="{n}"/>'
           for n, (t, lo, hi) in DATA_ELEMENTS.items()]
        + ["</data_elements>"]) + "\n"
    out["codes.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n<codesets>\n  <codeset>\n'
                        "    <id>none</id>\n    <name>unused</name>\n    <data_ele>143</data_ele>\n"
                        "    <version>\n      <code>996</code>\n    </version>\n  </codeset>\n"
                        "</codesets>\n")
    out["maps.xml"] = """<?xml version="1.0" encoding="UTF-8"?>
<maps>
  <version icvn="00401">
    <map vriic="004010ECERT" fic="FT" abbr="996">996.4010.ECERT.xml</map>
    <map vriic="004010ECERT" fic="FA" abbr="997">997.4010.ECERT.xml</map>
    <map vriic="00401" fic="FA" abbr="997">997.4010.ECERT.xml</map>
    <map vriic="" fic="" abbr="X12">x12.control.00401.xml</map>
  </version>
  <version icvn="00501">
    <map vriic="005010ECERT" fic="FT" abbr="996">996.5010.ECERT.xml</map>
    <map vriic="005010ECERT" fic="FA" abbr="999">999.5010.ECERT.xml</map>
    <map vriic="" fic="" abbr="X12">x12.control.00501.xml</map>
  </version>
</maps>
"""
    return out


def write() -> None:
    for name, text in render().items():
        (MAP_PATH / name).write_text(text, encoding="utf-8")
