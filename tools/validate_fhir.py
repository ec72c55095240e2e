#!/usr/bin/env python3
"""Independent check of the FHIR resources our tests produce.

Usage: validate_fhir.py DIR_OR_FILE...

Every *.json file (directories are searched recursively) is parsed with the
`fhir.resources` R4 models (strict FHIR 4.0.1), and every Media is also held to what
Canvas accepts on create and to the invariant att-1, which the models do not check.
Fails when there is nothing to validate.
"""
import base64
import binascii
import json
import sys
from pathlib import Path

from fhir.resources import get_fhir_model_class

STATUSES = {"completed", "entered-in-error"}
CONTENT_TYPES = {"image/jpeg", "image/png", "image/heic"}
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def magic_matches(content_type, raw):
    if content_type == "image/jpeg":
        return raw[:3] == b"\xff\xd8\xff"
    if content_type == "image/png":
        return raw[:8] == b"\x89PNG\r\n\x1a\n"
    if content_type == "image/heic":
        return raw[4:8] == b"ftyp" and raw[8:12] in HEIC_BRANDS
    return False


def reference(obj, field):
    value = obj.get(field)
    return value.get("reference") if isinstance(value, dict) else None


def canvas_media_problems(media):
    """What Canvas (or att-1) would reject in a Media create body."""
    problems = []
    if media.get("status") not in STATUSES:
        problems.append(f"status {media.get('status')!r} is not one of {sorted(STATUSES)}")
    subject = reference(media, "subject")
    if not (subject and subject.startswith("Patient/") and len(subject) > len("Patient/")):
        problems.append(f"subject.reference {subject!r} is not Patient/<id>")
    if "encounter" in media:
        enc = reference(media, "encounter")
        if not (enc and enc.startswith("Encounter/") and len(enc) > len("Encounter/")):
            problems.append(f"encounter.reference {enc!r} is not Encounter/<id>")
    if "operator" in media:
        op = reference(media, "operator")
        if not (op and op.split("/", 1)[0] in ("Practitioner", "Patient") and "/" in op and op.split("/", 1)[1]):
            problems.append(f"operator.reference {op!r} is not Practitioner/<id> or Patient/<id>")

    content = media.get("content") or {}
    content_type = content.get("contentType")
    data = content.get("data")
    if data is not None and not content_type:
        problems.append("att-1: content.data without content.contentType")
    if content_type not in CONTENT_TYPES:
        problems.append(f"content.contentType {content_type!r} is not one of {sorted(CONTENT_TYPES)}")
    if not data:
        problems.append("content.data is missing or empty")
        return problems
    if data.startswith("data:"):
        problems.append("content.data has a data: URL prefix; Canvas wants plain base64")
        return problems
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as err:
        problems.append(f"content.data is not standard base64: {err}")
        return problems
    if content_type in CONTENT_TYPES and not magic_matches(content_type, raw):
        problems.append(f"content.data does not start with the magic bytes of {content_type} (starts {raw[:12].hex()})")
    return problems


def validate(path):
    """Return the list of problems with one JSON file."""
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return [f"not readable JSON: {err}"]
    if not isinstance(obj, dict) or not isinstance(obj.get("resourceType"), str):
        return ["not a FHIR resource (no resourceType)"]
    try:
        model = get_fhir_model_class(obj["resourceType"])
    except (KeyError, ValueError) as err:
        return [f"unknown resourceType {obj['resourceType']!r}: {err}"]
    problems = []
    try:
        model.parse_obj(obj)
    except Exception as err:  # pydantic.ValidationError and the models' own errors
        detail = str(err).replace("\n", "\n      ")
        problems.append(f"not valid FHIR R4 {obj['resourceType']}: {detail}")
    if obj["resourceType"] == "Media":
        problems.extend(canvas_media_problems(obj))
    return problems


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    files = []
    for arg in map(Path, argv):
        if arg.is_dir():
            files.extend(sorted(arg.rglob("*.json")))
        elif arg.is_file():
            files.append(arg)
    if not files:
        print(f"validate_fhir: FAILED: no JSON files in {' '.join(argv)} (did the pipeline tests write any?)", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        problems = validate(path)
        if problems:
            failed += 1
            print(f"validate_fhir: {path}:", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
    if failed:
        print(f"validate_fhir: FAILED: {failed} of {len(files)} resources invalid", file=sys.stderr)
        return 1
    print(f"validate_fhir: {len(files)} resources ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
