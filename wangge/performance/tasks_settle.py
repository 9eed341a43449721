from django_tasks import task

from wangge.performance.services_settle import settlement_run


@task()
def run_settlement(settlement_id: int) -> None:
    settlement_run(settlement_id)
