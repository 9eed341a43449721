"""Base views every scoped page builds on: login, the role's right, and `visible_to`.

Missing and forbidden both answer 404, so a URL never tells a user that a record
they may not see exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.generic import DetailView, ListView

from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can


class ScopedViewMixin(LoginRequiredMixin):
    """Requires login and, optionally, an action; serves only rows visible to the user."""

    model: Any = None
    required_action: str | None = None
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (
            request.user.is_authenticated
            and self.required_action
            and not can(request.user, self.required_action)
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.visible_to(self.request.user)


class HtmxTemplateMixin:
    """Serve the whole page, or only its `#results` partial when htmx asks for it."""

    request: HttpRequest
    partial_name = "results"

    def get_template_names(self) -> list[str]:
        names: list[str] = super().get_template_names()  # type: ignore[misc]
        if getattr(self.request, "htmx", False):
            return [f"{names[0]}#{self.partial_name}"]
        return names

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().render_to_response(context, **kwargs)  # type: ignore[misc]
        if getattr(self.request, "htmx", False):
            # The partial is the element it replaces (`<div id="results">`): swapped into
            # it instead, each search nested one more `#results` in the page.
            response["HX-Reswap"] = "outerHTML"
        return response


class ScopedListView(ScopedViewMixin, HtmxTemplateMixin, ListView):
    """A scoped, paged list: counted no further than `BoundedPaginator.cap` rows, and a
    page number that is not a page shows the first or the last page, never an error."""

    paginate_by = settings.WANGGE_PAGE_SIZE

    def paginate_queryset(
        self, queryset: Any, page_size: int
    ) -> tuple[BoundedPaginator, Any, Any, bool]:
        paginator = BoundedPaginator(queryset, page_size)
        page = paginator.page_from(self.request.GET)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        for name in ("page", "after", "before"):
            params.pop(name, None)
        ctx["querystring"] = params.urlencode()
        return ctx


class ScopedDetailView(ScopedViewMixin, DetailView):
    pass
