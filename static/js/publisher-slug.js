/* The create-publisher form: the slug follows the name as it is typed, until the person edits the
 * slug themselves (emptying it lets it follow again). The rule is the server's
 * (publishing.services.publisher_slug_for): accents dropped, lower case, every run of other
 * characters one hyphen, at most 64 characters. Without JavaScript a blank slug is filled by the
 * server when the form is sent.
 */
(function () {
  "use strict";

  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 64)
      .replace(/-+$/, "");
  }

  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    var source = slug.form && slug.form.elements.namedItem(slug.getAttribute("data-slug-from"));
    if (!source) return;
    var following = slug.value === "" || slug.value === slugify(source.value);
    source.addEventListener("input", function () {
      if (following) slug.value = slugify(source.value);
    });
    slug.addEventListener("input", function () {
      following = slug.value === "";
    });
  });
})();
