from wangge.retention.models.care import CareCount, CareDue, CareRule, Contact
from wangge.retention.models.collections import CollectionTask, Payment

__all__ = ["CareCount", "CareDue", "CareRule", "CollectionTask", "Contact", "Payment"]
