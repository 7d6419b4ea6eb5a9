// The fixture's index: it has every page but page.html (assets/search.js is copied in by the self-test).
window.HVLABS_INDEX = [
{"p":"Fixture home","s":"A broken fixture site","u":"index.html#home","x":"A broken fixture site for site/check.mjs --self-test Each page below has one fault the checker must report; good.html has none. a good page and an anchor that exists a link to a file that does not exist a link to an anchor that does not exist a page with a missing image, absent from the search index a page that shows nothing and one whose script fails search"},
{"p":"Fixture good page","s":"A page with nothing wrong","u":"good.html#fine","x":"A page with nothing wrong Its words are in the search index: quasar lantern meridian. Back home."},
{"p":"Fixture blank page","s":"","u":"blank.html","x":""},
{"p":"Fixture page with a failing script","s":"A page whose script throws","u":"error.html#error","x":"A page whose script throws Its text is shown, but the script that should finish the page fails: a page that does not render as built."}
];
