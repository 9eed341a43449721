from wangge.core.api import ApiRouter

router = ApiRouter()
