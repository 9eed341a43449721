from django_tasks import task

from wangge.territory.auto import plan_auto_run
from wangge.territory.frontier import plan_frontier_run


@task()
def run_partition(plan_id: int) -> None:
    plan_auto_run(plan_id)


@task()
def run_frontier(plan_id: int) -> None:
    plan_frontier_run(plan_id)
