"""(to be filled)"""


def register() -> None:
    pass
