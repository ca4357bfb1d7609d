// Copy buttons: <button class="copy" data-copy="element-id"> copies that element's text.
document.querySelectorAll("button.copy").forEach(function (button) {
  button.addEventListener("click", function () {
    var text = document.getElementById(button.dataset.copy).textContent;
    if (navigator.clipboard) { navigator.clipboard.writeText(text); }
    button.textContent = "Copied";
  });
});
