// Adds a copy button next to each feed address. Without this script the
// addresses are still plain links that can be opened or copied by hand.
(function () {
	"use strict";
	var panel = document.querySelector("[data-copy-label]");
	if (!panel) {
		return;
	}
	var label = panel.getAttribute("data-copy-label");
	var done = panel.getAttribute("data-copied-label");
	var status = panel.querySelector(".copy-status");

	function fallbackCopy(text) {
		// Pages served over plain http on a LAN have no Clipboard API.
		var area = document.createElement("textarea");
		area.value = text;
		area.className = "copy-buffer";
		area.setAttribute("readonly", "");
		document.body.appendChild(area);
		area.select();
		var ok = document.execCommand("copy");
		document.body.removeChild(area);
		return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
	}

	function copy(text) {
		if (navigator.clipboard && window.isSecureContext) {
			return navigator.clipboard.writeText(text).catch(function () {
				return fallbackCopy(text);
			});
		}
		return fallbackCopy(text);
	}

	panel.querySelectorAll("a[data-copy]").forEach(function (link) {
		var button = document.createElement("button");
		button.type = "button";
		button.className = "copy";
		button.textContent = label;
		button.setAttribute("aria-label", label + ": " + link.href);
		button.addEventListener("click", function () {
			copy(link.href).then(function () {
				status.textContent = done + ": " + link.href;
				panel.setAttribute("data-copied", link.href);
			}, function () {
				// Leave the address selected so that Ctrl+C still works.
				var range = document.createRange();
				range.selectNodeContents(link);
				window.getSelection().removeAllRanges();
				window.getSelection().addRange(range);
			});
		});
		link.insertAdjacentElement("afterend", button);
	});
})();
