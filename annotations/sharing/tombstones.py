"""Tombstones: every shared record deleted here leaves one, keyed as exports key it.

Only the record a deletion starts from gets a tombstone: what it cascades to goes with it on the
other instance too. Merges say which record survived (`_merged_into` on the deleted instance).
"""

from django.db.models.signals import pre_delete

from annotations.models import Tombstone

from .spec import Registry, jsonable


def _flat_key(registry, spec, pk):
    """(workspace id, flat natural key) of the row `pk` of `spec`, read before it goes."""
    ws_path = spec.workspace_path or "pk"
    row = spec.model._default_manager.filter(pk=pk).values_list(ws_path, *registry.key_paths(spec)).first()
    if row is None:
        return None, None
    return (row[0] if spec.workspace_path else None), [jsonable(value) for value in row[1:]]


def record_tombstone(sender, instance, origin=None, **kwargs):
    registry = Registry()
    spec = registry.by_model.get(sender)
    started_here = origin is instance or getattr(origin, "model", None) is sender
    if spec is None or not spec.tombstoned or not started_here:
        return
    workspace_id, key = _flat_key(registry, spec, instance.pk)
    if key is None:
        return
    survivor = getattr(instance, "_merged_into", None)
    merged_into = _flat_key(registry, spec, survivor.pk)[1] if survivor is not None else None
    Tombstone.objects.create(model=spec.label, key=key, workspace_id=workspace_id, merged_into=merged_into)


def connect():
    for spec in Registry().specs:
        if spec.tombstoned:
            pre_delete.connect(record_tombstone, sender=spec.model, dispatch_uid=f"tombstone:{spec.label}")
