"""Hearth: a recruitment-funnel CRM for adoption and fostering services."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from crm import config as settings
from crm.config import ROOT


def create_app(config: dict | None = None) -> Flask:
    """The application: settings, extensions, the access policy, blueprints and the CLI."""
    instance_path = Path((config or {}).get("INSTANCE_PATH") or settings.default_instance_path())
    app = Flask(__name__, instance_path=str(instance_path), static_folder=str(ROOT / "static"),
                static_url_path="/assets", template_folder=str(ROOT / "templates"))
    app.config.update(settings.from_environment(instance_path))
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_secret_key(instance_path)
    settings.name_session_cookie(app.config)
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_templates(app)
    _init_extensions(app)
    _register_blueprints(app)
    from crm.cli import register_commands
    register_commands(app)
    return app


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    WTFormsHelpers(app)
    from crm.errors import error_summary, page_has_errors
    from crm.pagination import links
    from crm.web import FILTERS, template_context
    app.jinja_env.filters.update(FILTERS)
    app.context_processor(template_context)
    # Globals, not context: macros imported from another template see no context.
    app.jinja_env.globals.update(pagination_links=links, error_summary=error_summary,
                                  page_has_errors=page_has_errors)


def _init_extensions(app: Flask) -> None:
    import crm.models  # noqa: F401 (every area's mappers registered before any is used)
    from crm import security
    from crm.auth.policy import enforce_access
    from crm.auth.services import load_user
    from crm.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    # Order matters: time out a stale session, then check access, then CSRF.
    security.init_app(app)
    app.before_request(enforce_access)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"


def _register_blueprints(app: Flask) -> None:
    from crm import errors
    from crm.admin.views import bp as admin_bp
    from crm.allocation.views import bp as allocation_bp
    from crm.audit.views import bp as audit_bp
    from crm.auth.views import bp as auth_bp
    from crm.checks.views import bp as checks_bp
    from crm.enquiries.views import bp as enquiries_bp
    from crm.escalations.views import bp as escalations_bp
    from crm.events.views import bp as events_bp
    from crm.funnel.views import bp as funnel_bp
    from crm.funnel.reasons.views import bp as withdrawal_reasons_bp
    from crm.home.views import bp as home_bp
    from crm.public.views import bp as public_bp
    from crm.api.views import bp as api_bp
    from crm.households.views import bp as households_bp
    from crm.marketing.views import bp as marketing_bp
    from crm.marketing.attribution.views import bp as attribution_bp
    from crm.queues.views import bp as queues_bp
    from crm.reports.views import bp as reports_bp
    from crm.reports.marketing.views import bp as marketing_dashboard_bp
    from crm.targets.views import bp as targets_bp
    from crm.transfer.views import bp as transfer_bp
    from crm.households.record_views import bp as records_bp
    from crm.dataprotection.views import bp as subject_access_bp
    from crm.dataprotection.retention_views import bp as retention_bp
    from crm.documents.portal import bp as portal_documents_bp
    from crm.documents.views import bp as documents_bp
    from crm.portal.views import bp as portal_bp
    from crm.portal.staff_views import bp as portal_staff_bp
    from crm.references.portal import bp as referees_portal_bp
    from crm.references.views import bp as references_bp

    for blueprint in (auth_bp, home_bp, households_bp, funnel_bp, enquiries_bp, admin_bp, audit_bp,
                      public_bp, api_bp, escalations_bp, events_bp, queues_bp, transfer_bp, checks_bp, reports_bp,
                      targets_bp, marketing_bp, attribution_bp, marketing_dashboard_bp, records_bp, allocation_bp,
                      withdrawal_reasons_bp, subject_access_bp, retention_bp, portal_bp, portal_staff_bp,
                      references_bp, referees_portal_bp, documents_bp, portal_documents_bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
