"""Fact files: one source (an article) and the records it states, as `manage.py import_article` reads them.

The format is documented by a JSON Schema, `fixtures/fact-file.schema.json`, generated from the API's own
request schemas (`manage.py export_fact_file_schema`), so a fact file and an API request accept the same
values. This module reads a file and checks it against that schema; `cooperation.importer` validates its
records as the API does and writes them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator, ValidationError
from yaml.constructor import ConstructorError

from cooperation.registry import RECORD_RESOURCES
from cooperation.serializers import SourceSerializer

SCHEMA_PATH = Path(settings.FIXTURE_DIRS[0]) / "fact-file.schema.json"

# What identifies the source: a fact file names it by its title. A record's is its resource's `natural_key`.
SOURCE_NATURAL_KEY = ("title",)


class FactFileError(Exception):
    """A fact file that cannot be imported; `problems` name the record, the field and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class FactFileLoader(yaml.SafeLoader):
    """YAML read the way JSON is: what is not a string in JSON is not one here either, and nothing else.

    PyYAML follows YAML 1.1, which turns `NO` (Norway) into False, `2024-01-01` into a date, `1.10` into
    the float 1.1 and `12:30` into 750. Here only true/false are booleans and only JSON's integers are
    integers; dates and decimals stay the text that was written, which is what the API takes. A key
    given twice in one mapping is an error rather than the last one silently winning.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise ConstructorError(None, None, f"found the key {key!r} twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


REPLACED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
FactFileLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
FactFileLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
FactFileLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))


def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"found the key {repeated[0]!r} twice")
    return dict(pairs)


def read_fact_file(path: Path) -> Any:
    """The file's content as JSON values; YAML (.yaml, .yml) or JSON (.json)."""
    try:
        content = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise FactFileError([f"Cannot read {path}: {exc.strerror}."]) from exc
    except UnicodeDecodeError as exc:
        raise FactFileError([f"{path} is not UTF-8: {exc.reason} at byte {exc.start}."]) from exc
    if path.suffix == ".json":
        try:
            return json.loads(content, object_pairs_hook=reject_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise FactFileError(
                [f"{path} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}."]
            ) from exc
        except ValueError as exc:
            raise FactFileError([f"{path} is not valid JSON: {exc}."]) from exc
    if path.suffix in (".yaml", ".yml"):
        try:
            return yaml.load(content, Loader=FactFileLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise FactFileError([f"{path} is not valid YAML: {where}{exc.problem or exc.context}."]) from exc
        except yaml.YAMLError as exc:
            raise FactFileError([f"{path} is not valid YAML: {exc}."]) from exc
    raise FactFileError([f"{path}: a fact file is YAML (.yaml, .yml) or JSON (.json)."])


def schema_problems(document: Any) -> list[str]:
    """What the committed JSON Schema finds wrong with the document, one line per problem, in file order."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda error: file_order(error.absolute_path))
    return [f"{location(error.absolute_path)}: {describe_schema_error(error)}" for error in errors]


def file_order(path: Any) -> list[tuple[int, int, str]]:
    return [(0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path]


def location(path: Any) -> str:
    """A JSON path as the file's author reads it: trade_figures[3].flow."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(the whole file)"


def describe_schema_error(error: ValidationError) -> str:
    if error.validator == "oneOf" and all("required" in option for option in error.validator_value):
        names = " or ".join(option["required"][0] for option in error.validator_value)
        return f"Give exactly one of {names}."
    message = str(error.message)
    # jsonschema quotes the whole value, which can be the article's full text.
    return message if len(message) <= 300 else f"{message[:300]}…"


def source_text(document: dict[str, Any], path: Path) -> str:
    """The source's full text: inline (`text`) or read from `text_file`, relative to the fact file, byte for byte."""
    source = document["source"]
    if "text" in source:
        return str(source["text"])
    text_path = path.parent / source["text_file"]
    try:
        return text_path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise FactFileError([f"source.text_file: cannot read {text_path}: {exc.strerror}."]) from exc
    except UnicodeDecodeError as exc:
        raise FactFileError([f"source.text_file: {text_path} is not UTF-8: {exc.reason} at byte {exc.start}."]) from exc


# The schema: built from the API's request components, so that it accepts what the API accepts.


def json_schema(openapi: Any) -> Any:
    """OpenAPI 3.0's schema dialect in JSON Schema 2020-12's: `nullable` becomes a null type, refs point to $defs."""
    if isinstance(openapi, list):
        return [json_schema(item) for item in openapi]
    if not isinstance(openapi, dict):
        return openapi
    converted: dict[str, Any] = {}
    for key, value in openapi.items():
        if key == "properties":
            converted[key] = {name: json_schema(field) for name, field in value.items()}
        elif key == "$ref":
            converted[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key not in ("nullable", "example"):
            converted[key] = json_schema(value)
    if openapi.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        else:
            description = converted.pop("description", None)
            converted = {"anyOf": [converted, {"type": "null"}]}
            if description is not None:
                converted["description"] = description
    return converted


def writable_fields(serializer_class: type[Any]) -> list[str]:
    return [name for name, field in serializer_class().fields.items() if not field.read_only]


def request_component(components: dict[str, Any], serializer_class: type[Any], drop: set[str]) -> dict[str, Any]:
    """A serializer's request schema with its writable fields only, less `drop`."""
    component = json_schema(components[serializer_class.__name__.removesuffix("Serializer") + "Request"])
    fields = [name for name in writable_fields(serializer_class) if name not in drop]
    component["properties"] = {name: component["properties"][name] for name in fields}
    component["required"] = [name for name in component.get("required", []) if name in fields]
    return component


def fact_file_schema() -> dict[str, Any]:
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    source = request_component(components, SourceSerializer, drop=set())
    source["description"] = "The source the records cite; matched with a stored source on its title."
    source["properties"]["text_file"] = {
        "type": "string",
        "minLength": 1,
        "description": "Path of a UTF-8 file holding the full text, relative to the fact file (instead of `text`).",
    }
    source["required"] = [name for name in source["required"] if name != "text"]
    source["oneOf"] = [{"required": ["text"]}, {"required": ["text_file"]}]
    definitions: dict[str, Any] = {"Source": source}
    properties: dict[str, Any] = {
        "$schema": {"type": "string", "description": "This schema's location, for editors; ignored."},
        "source": {"$ref": "#/$defs/Source"},
    }
    for resource in RECORD_RESOURCES:
        name = resource.serializer.__name__.removesuffix("Serializer")
        definitions[name] = request_component(components, resource.serializer, drop={"source"})
        key = ", ".join(resource.natural_key)
        properties[resource.key] = {
            "type": "array",
            "items": {"$ref": f"#/$defs/{name}"},
            "description": f"{str(resource.model._meta.verbose_name_plural).capitalize()} the source states; "
            f"a stored one with the same source and ({key}) is updated.",
        }
    enums = {ref.rsplit("/", 1)[1] for ref in re.findall(r'"(#/\$defs/[A-Za-z]+Enum)"', json.dumps(definitions))}
    definitions.update({name: json_schema(components[name]) for name in sorted(enums)})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Fact file",
        "description": (
            "One source (an article) and the records it states, for `manage.py import_article`. YAML or JSON. "
            "Generated from the API's request schemas by `manage.py export_fact_file_schema`: do not edit."
        ),
        "type": "object",
        "properties": properties,
        "required": ["source"],
        "additionalProperties": False,
        "$defs": definitions,
    }


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
