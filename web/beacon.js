/* beacon.js: optional enhancements: <time> in the reader's own zone (as a tooltip) and uptime bar tooltips. */
(function () {
	"use strict";
	var doc = document;
	doc.documentElement.className += " js";

	function localTimes() {
		var fmt;
		try {
			fmt = new Intl.DateTimeFormat(doc.documentElement.lang || undefined, {
				year: "numeric", month: "short", day: "numeric",
				hour: "numeric", minute: "2-digit", timeZoneName: "short"
			});
		} catch (e) {
			return;
		}
		var times = doc.querySelectorAll("time.lt[datetime]");
		for (var i = 0; i < times.length; i++) {
			var d = new Date(times[i].getAttribute("datetime"));
			if (!isNaN(d.getTime()))
				times[i].title = fmt.format(d);
		}
	}

	function tooltips() {
		var tip = doc.createElement("div");
		tip.className = "tip";
		tip.setAttribute("role", "tooltip");
		tip.hidden = true;
		doc.body.appendChild(tip);

		function text(rect) {
			/* the SVG <title> moves into data-tip so the native tooltip does not show twice */
			if (!rect.hasAttribute("data-tip")) {
				var t = rect.querySelector("title");
				rect.setAttribute("data-tip", t ? t.textContent : "");
				if (t)
					rect.removeChild(t);
			}
			return rect.getAttribute("data-tip");
		}
		function show(ev) {
			var r = ev.target;
			if (!r || r.tagName !== "rect")
				return;
			tip.textContent = text(r);
			tip.hidden = false;
			var box = r.getBoundingClientRect(), w = tip.offsetWidth, h = tip.offsetHeight;
			var x = Math.min(Math.max(8, box.left + box.width / 2 - w / 2), window.innerWidth - w - 8);
			var y = box.top - h - 8;
			tip.style.left = x + "px";
			tip.style.top = (y < 8 ? box.bottom + 8 : y) + "px";
		}
		function hide() {
			tip.hidden = true;
		}
		var bars = doc.querySelectorAll("svg.bars");
		for (var i = 0; i < bars.length; i++) {
			bars[i].addEventListener("pointerover", show);
			bars[i].addEventListener("pointerdown", show);
			bars[i].addEventListener("pointerleave", hide);
		}
		window.addEventListener("scroll", hide, { passive: true });
	}

	function ready() {
		localTimes();
		tooltips();
	}
	if (doc.readyState === "loading")
		doc.addEventListener("DOMContentLoaded", ready);
	else
		ready();
})();
