// The embeddable idea form's only script (never inline: the page's CSP allows 'self' only). The
// page works the same without it.
// 1. Framed on an intranet page: tell the page how tall the form is, so the intranet needs no
//    fixed iframe height. Messages go only to the allowed intranet origins
//    (data-parent-origins).
// 2. Co-authors: typing a name shows suggestions (GET /ideas/form/people with the page's form
//    token) in a live list; picking one adds a removable chip holding the id in a hidden field.
(function () {
  "use strict";
  var script = document.currentScript;
  var listed = ((script && script.getAttribute("data-parent-origins")) || "")
    .split(" ")
    .filter(Boolean);

  function whenReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function postHeight() {
    if (window.parent === window || listed.length === 0) {
      return;
    }
    var ancestors = window.location.ancestorOrigins;
    var targets = listed;
    if (ancestors && ancestors.length > 0) {
      targets = listed.filter(function (origin) {
        return origin === ancestors[0];
      });
    }
    var last = 0;
    function post() {
      var height = Math.ceil(document.documentElement.scrollHeight);
      if (height === last) {
        return;
      }
      last = height;
      targets.forEach(function (origin) {
        window.parent.postMessage({ type: "ideapaja:form-height", height: height }, origin);
      });
    }
    whenReady(post);
    window.addEventListener("load", post);
    if (window.ResizeObserver) {
      new window.ResizeObserver(post).observe(document.body);
    }
  }

  function coAuthors() {
    var section = document.getElementById("co-authors");
    var input = document.getElementById("co_author_query");
    var results = document.getElementById("co_author_results");
    var chosen = document.getElementById("co_author_chosen");
    var form = section && section.closest("form");
    var token = form && form.querySelector("input[name=form_token]");
    if (!section || !input || !results || !chosen || !token || !window.fetch) {
      return;
    }
    var lang = section.getAttribute("data-lang") || "fi";
    var url = section.getAttribute("data-people-url");
    var timer = null;
    var asked = 0;

    function chosenIds() {
      return Array.prototype.map.call(
        chosen.querySelectorAll("input[name=co_author_ids]"),
        function (box) {
          return box.checked === false && box.type === "checkbox" ? "" : box.value;
        }
      );
    }

    function say(text) {
      results.textContent = "";
      var item = document.createElement("li");
      item.textContent = text;
      results.appendChild(item);
    }

    function shownAs(person) {
      var unit = person["unit_name_" + lang] || person.unit_name_fi || person.unit_id;
      return person.display_name + ", " + unit;
    }

    function buttons() {
      return Array.prototype.slice.call(results.querySelectorAll("button"));
    }

    function pick(person) {
      var label = shownAs(person);
      var chip = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = label;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "co_author_ids";
      hidden.value = person.id;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "\u00d7";
      remove.setAttribute(
        "aria-label",
        section.getAttribute("data-remove") + ": " + person.display_name
      );
      remove.addEventListener("click", function () {
        chip.remove();
        input.focus();
      });
      chip.appendChild(name);
      chip.appendChild(hidden);
      chip.appendChild(remove);
      chosen.appendChild(chip);
      input.value = "";
      say(section.getAttribute("data-added") + " " + label);
      input.focus();
    }

    function show(people) {
      var taken = chosenIds();
      var offered = people.filter(function (p) {
        return taken.indexOf(p.id) < 0;
      });
      if (offered.length === 0) {
        say(section.getAttribute("data-none"));
        return;
      }
      results.textContent = "";
      offered.forEach(function (person) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "suggestion";
        button.setAttribute("data-id", person.id);
        button.textContent = shownAs(person);
        button.addEventListener("click", function () {
          pick(person);
        });
        item.appendChild(button);
        results.appendChild(item);
      });
    }

    function search() {
      var query = input.value.trim();
      if (query.replace(/[\s\W_]+/g, "").length < 2) {
        results.textContent = "";
        return;
      }
      var ask = ++asked;
      var params = new URLSearchParams({ form_token: token.value, q: query, limit: "8" });
      fetch(url + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        credentials: "omit",
      })
        .then(function (response) {
          return response.ok ? response.json() : { items: [] };
        })
        .then(function (page) {
          if (ask === asked) {
            show(page.items || []);
          }
        })
        .catch(function () {
          /* the Search button still works */
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    input.addEventListener("keydown", function (event) {
      var first = buttons()[0];
      if (event.key === "Enter") {
        // Not the form's implicit submission: search, or take the first suggestion.
        event.preventDefault();
        window.clearTimeout(timer);
        search();
      } else if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      }
    });
    results.addEventListener("keydown", function (event) {
      var all = buttons();
      var at = all.indexOf(document.activeElement);
      if (at < 0) {
        return;
      }
      if (event.key === "ArrowDown" && at + 1 < all.length) {
        event.preventDefault();
        all[at + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (at > 0 ? all[at - 1] : input).focus();
      } else if (event.key === "Escape") {
        input.focus();
      }
    });
    var searchButton = section.querySelector("button[name=co_author_search]");
    if (searchButton) {
      searchButton.addEventListener("click", function (event) {
        // With the script the page stays (and keeps a chosen attachment): search in place.
        event.preventDefault();
        window.clearTimeout(timer);
        search();
        input.focus();
      });
    }
  }

  postHeight();
  whenReady(coAuthors);
})();
