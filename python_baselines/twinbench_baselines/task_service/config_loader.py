"""config/config_loader.py of seed 004: the three YAML rule files, with
environment and local overrides, behind ConfigLoader, and the SLAManager,
TaskRouter and QueryManager that read them."""

import os
import re
from pathlib import Path

import yaml

ENV_VARIABLE = "TWINBENCH_SERVICE_ENV"
BASE_FILES = ("sla_rules.yaml", "routing_rules.yaml", "queries.yaml")
# `:name`, but not the second colon of a PostgreSQL `::` cast.
_PLACEHOLDER = re.compile(r"(?<!:):([A-Za-z0-9_]+)")


def deep_merge(base, override):
    """Maps merge key by key; anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


class ConfigLoader:
    """Loads base/, then environments/<env>.yaml, then local/*.yaml."""

    def __init__(self, config_dir, environment=None):
        self.config_dir = Path(config_dir)
        self.environment = environment or os.environ.get(ENV_VARIABLE) or None
        self.config = {}
        self.load()

    def _read(self, path):
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f) or {}

    def load(self):
        config = {}
        for name in BASE_FILES:
            config = deep_merge(config, self._read(self.config_dir / "base" / name))
        if self.environment:
            env_file = self.config_dir / "environments" / f"{self.environment}.yaml"
            if env_file.is_file():
                config = deep_merge(config, self._read(env_file))
        local_dir = self.config_dir / "local"
        if local_dir.is_dir():
            for path in sorted(local_dir.iterdir()):
                if path.suffix in (".yaml", ".yml"):
                    config = deep_merge(config, self._read(path))
        self.config = config
        return config

    def get(self, *keys, default=None):
        value = self.config
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value


class SLAManager:
    def __init__(self, loader):
        self.loader = loader

    def get_target(self, task_type):
        targets = self.loader.get("sla_targets", default={})
        if task_type in targets:
            return targets[task_type]
        return targets["default"]

    def get_sla_status(self, task, now):
        target = self.get_target(task["type"])
        elapsed_minutes = (now - task["created_at"]) / 60
        target_minutes = target["target_minutes"]
        warning_at = target_minutes * target["warning_percent"] / 100
        if elapsed_minutes > target_minutes:
            return "breached"
        if elapsed_minutes >= warning_at:
            return "warning"
        return "ok"


class TaskRouter:
    def __init__(self, loader):
        self.loader = loader

    def get_rule(self, environment):
        routing = self.loader.get("environment_routing", default={})
        if environment in routing:
            return routing[environment]
        return routing["default"]

    def heartbeat_timeout(self):
        return self.loader.get("session_health", "heartbeat_timeout_seconds", default=300)


class QueryManager:
    def __init__(self, loader):
        self.loader = loader

    def build_query(self, name, params=None):
        """(sql, params): defaults filled in, a string_list expanded to one
        placeholder per element (an empty one to NULL)."""
        params = params or {}
        template = self.loader.get("queries", name)
        if template is None:
            raise KeyError(f"no query template {name!r}")
        values = {}
        lists = {}
        for spec in template.get("params") or []:
            pname = spec["name"]
            if pname in params:
                value = params[pname]
            elif "default" in spec:
                value = spec["default"]
            else:
                raise ValueError(f"query {name}: parameter {pname} has no value and no default")
            if spec["type"] == "string_list":
                lists[pname] = list(value)
            else:
                values[pname] = value
        out = {}

        def expand(match):
            pname = match.group(1)
            if pname in lists:
                items = lists[pname]
                if not items:
                    return "NULL"
                keys = [f"{pname}_{i}" for i in range(len(items))]
                out.update(zip(keys, items))
                return ", ".join(":" + k for k in keys)
            if pname in values:
                out[pname] = values[pname]
            return match.group(0)

        sql = _PLACEHOLDER.sub(expand, template["sql"])
        return sql, out
