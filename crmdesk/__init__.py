"""crmdesk: an offline-first desktop CRM for field sales teams."""

__version__ = "0.1.0"

APP_NAME = "crmdesk"
APP_ID = "org.crmdesk.CrmDesk"
