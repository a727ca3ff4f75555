/* admin.js: small enhancements of the admin; every page works without it. Confirmations and Markdown preview. */
(function () {
	"use strict";
	document.addEventListener("submit", function (e) {
		var b = e.submitter, msg = b && b.getAttribute("data-confirm");
		if (!msg) return;
		if (!window.confirm(msg)) { e.preventDefault(); return; }
		/* confirmed here: the server skips its own confirmation page */
		if (!e.target.querySelector("input[name=confirm]")) {
			var c = document.createElement("input");
			c.type = "hidden"; c.name = "confirm"; c.value = "1";
			e.target.appendChild(c);
		}
	});
	var csrf = document.querySelector("input[name=csrf]");
	document.querySelectorAll("textarea[data-preview]").forEach(function (ta) {
		var box = ta.nextElementSibling, timer = null;
		if (!box || !csrf) return;
		function render() {
			var body = new URLSearchParams();
			body.set("csrf", csrf.value);
			body.set("md", ta.value);
			fetch("/admin/preview", { method: "POST", body: body, credentials: "same-origin" })
				.then(function (r) { return r.ok ? r.text() : ""; })
				.then(function (html) {
					/* the server's Markdown renderer escapes everything; parse it inertly */
					var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
					box.replaceChildren.apply(box, Array.prototype.slice.call(doc.body.firstChild.childNodes));
					box.hidden = ta.value.trim() === "";
				});
		}
		ta.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 300); });
	});
})();
