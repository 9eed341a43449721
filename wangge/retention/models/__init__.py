from wangge.retention.models.care import CareDue, CareRule, Contact
from wangge.retention.models.collections import CollectionTask, Payment

__all__ = ["CareDue", "CareRule", "CollectionTask", "Contact", "Payment"]
