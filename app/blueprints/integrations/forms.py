"""Forms of the integrations pages (the shared EmptyForm covers the buttons)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ConnectShopForm(FlaskForm):
    shop_domain = StringField("Shop domain", validators=[DataRequired(), Length(max=255)],
                              description="e.g. your-shop.myshopify.com")
    webhook_secret = PasswordField("Webhook signing secret", validators=[DataRequired(), Length(max=255)],
                                   description="Shopify admin → Settings → Notifications → Webhooks: the key shown "
                                               "under “Your webhooks will be signed with”.")


class PromptForm(FlaskForm):
    prompt = TextAreaField("What should the recipe be?", validators=[DataRequired(), Length(max=4000)],
                           description="e.g. “A lavender cold-process soap for about 10 bars, using my oils”.")
