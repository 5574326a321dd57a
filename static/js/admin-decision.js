// The reviewer's decision form: a canned reason fills the note (templates/admin/publishing/submission/change_form.html).
(function () {
  var select = document.getElementById("decision-canned");
  var note = document.getElementById("decision-note");
  if (!select || !note) { return; }
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    if (option && option.dataset.text) { note.value = option.dataset.text; note.focus(); }
  });
})();
