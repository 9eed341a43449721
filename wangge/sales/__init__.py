"""Growth (激增量): opportunities, dispatch, visits, team sales and promotion material."""
