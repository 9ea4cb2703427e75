// Says so when the backend refuses this page's address, instead of leaving dead forms.
//
// A browser cannot see why a websocket was refused, so on load the page asks the backend the
// websocket talks to (the same URL Reflex derives) whether it accepts this page's origin.
// An unreachable backend shows nothing here: Reflex's own connection notice covers that.
import React, { useEffect, useState } from "react";
import { getBackendURL } from "$/utils/state";
import env from "$/env.json";

const STYLE = {
  position: "fixed",
  top: 0,
  left: 0,
  right: 0,
  zIndex: 10000,
  padding: "12px 16px",
  background: "#b91c1c",
  color: "white",
  font: "500 15px/1.4 system-ui, sans-serif",
  textAlign: "center",
};

export function OriginBanner({ baseUrl, probePath }) {
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    const url = new URL(probePath, getBackendURL(env.PING));
    url.searchParams.set("origin", window.location.origin);
    let live = true;
    fetch(url, { credentials: "omit", cache: "no-store" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => live && setRefused(body?.allowed === false))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [probePath]);
  if (!refused) {
    return null;
  }
  return (
    <div role="alert" data-testid="origin-banner" style={STYLE}>
      This address is not allowed: open{" "}
      <a href={baseUrl} style={{ color: "white", textDecoration: "underline" }}>
        {baseUrl}
      </a>
    </div>
  );
}
