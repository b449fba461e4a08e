"""The built site served at / (single-port run): only what is inside SITE_DIR, never a 500."""
import pytest

from forms_app import create_app


@pytest.fixture
def site(app_config, tmp_path):
    root = tmp_path / "site"
    (root / "guide").mkdir(parents=True)
    (root / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    (root / "guide" / "index.html").write_text("<h1>指南</h1>", encoding="utf-8")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "x.txt").write_text("secret", encoding="utf-8")
    (root / "escape").symlink_to(tmp_path / "secret")
    return create_app({**app_config, "SITE_DIR": str(root)}).test_client()


@pytest.mark.parametrize("path", [
    "/" + "a" * 256,                       # one segment over the 255-byte limit (was a 500)
    "/guide/" + "页" * 86,                  # 258 bytes in UTF-8
    "/" + "/".join(["b" * 250] * 20),       # a long path of legal segments
    "/../../../etc",                        # outside the site: 404, not a 301 that shows /etc exists
    "/../../../etc/passwd",
    "/guide/../../secret/x.txt",
    "/%2e%2e/%2e%2e/etc",
    "/escape/x.txt",                        # a symlink leading out
    "/nope",
    "/guide/nope.html",
])
def test_anything_not_inside_the_site_is_404(site, path):
    response = site.get(path)
    assert response.status_code == 404 and "没有找到这个页面" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, code", [("/", 200), ("/guide/", 200), ("/guide", 301), ("/index.html", 200)])
def test_pages_inside_are_served(site, path, code):
    with site.get(path) as response:
        assert response.status_code == code
