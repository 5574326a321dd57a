"""README rendering is CommonMark, sanitized."""

from catalog.markdown import render_markdown


def test_renders_commonmark_with_tables_and_code():
    html = render_markdown("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode <b>\n```\n")

    assert "<h1>Title</h1>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code>code &lt;b&gt;\n</code></pre>" in html


def test_strips_scripts_event_handlers_and_unsafe_links():
    html = render_markdown(
        '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1)) [y](https://example.com)'
    )

    assert "<script" not in html
    assert "onerror" not in html.replace("&lt;img src=x onerror=", "")
    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">y</a>' in html
