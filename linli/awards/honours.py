"""The awards a person won appear on their volunteer record and certificate through the
activities app's honours hook (activities/honours.py): registered here, never imported there."""


def register_with_activities() -> None:
    from linli.activities import honours

    from .selectors import honours_of

    honours.register("awards", honours_of)
