/* Athlete portal: a set counter and a hold timer per exercise. No dependencies. */
(function () {
  "use strict";
  function setup(card) {
    var sets = parseInt(card.dataset.sets, 10) || 1;
    var hold = parseInt(card.dataset.hold || "0", 10);
    var count = 0;
    var counter = card.querySelector(".counter");
    var label = card.querySelector(".js-count");
    var setsInput = card.querySelector("input[name$='-sets_done']");
    function show() {
      label.textContent = count + " of " + sets + " sets" + (count >= sets ? " · all done, nice work!" : "");
      counter.classList.toggle("done", count >= sets);
      // The counter only ever raises the logged sets: the field starts at the prescribed sets
      // (or what the athlete typed), and tapping "Set done" must never lower it.
      if (setsInput && count > (parseInt(setsInput.value, 10) || 0)) setsInput.value = count;
    }
    var setButton = card.querySelector(".js-set");
    if (setButton) {
      setButton.addEventListener("click", function () { if (count < sets) { count += 1; show(); } });
    }
    var holdButton = card.querySelector(".js-hold");
    if (holdButton && hold) {
      var timer = card.querySelector(".js-timer");
      var running = null;
      holdButton.addEventListener("click", function () {
        if (running) return;
        var left = hold;
        holdButton.disabled = true;
        timer.textContent = left + " s";
        running = setInterval(function () {
          left -= 1;
          timer.textContent = Math.max(left, 0) + " s";
          if (left <= 0) {
            clearInterval(running);
            running = null;
            holdButton.disabled = false;
            if (count < sets) { count += 1; show(); }
            if (navigator.vibrate) navigator.vibrate(200);
          }
        }, 1000);
      });
    }
  }
  document.querySelectorAll("article.exercise").forEach(setup);
})();
