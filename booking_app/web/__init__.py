"""What the pages (booking, manage, embed) share: view models, time zones, `.ics`,
signed tokens as typed objects, CSRF, error pages, the page cache, i18n, headers,
rate limits. Imports no feature package."""
