from .helpers import post_form


def test_signup_creates_org_and_owner_and_lands_on_dashboard(client, db):
    """Does signup create an organization on the Free tier with its owner, signed in?"""
    from sqlalchemy import select
    from app.models import User

    response = post_form(client, "/signup", {"organization_name": "Lavender Lane", "name": "Ada",
                                             "email": "Ada@Example.com", "password": "a-long-password",
                                             "timezone": "Europe/Berlin"})
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
    assert user.organization.name == "Lavender Lane"
    assert user.organization.tier.key == "free"
    assert user.role.key == "owner"
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Lavender Lane" in page.get_data(as_text=True)
