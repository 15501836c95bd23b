/**
 * An owner's sharing panel over HTTP: read the panel, invite by username with a role, remove a
 * member, create and revoke share links, change visibility; and joining through a link. The data
 * layer checks that the caller manages the experiment (hidden experiments answer 404).
 */
import { isRole, isVisibility } from "../accounts";
import {
  changeVisibility,
  createLink,
  getSharing,
  invite,
  joinByLink,
  removeMember,
  revokeLink,
} from "../data/sharing";
import { HttpError, noContent, ok, readJson } from "./http";
import { signedIn, type Route } from "./router";

const ID = "[A-Za-z0-9_-]{1,64}";
const experiment = (rest = "") => new RegExp(`^/api/experiments/(?<id>${ID})/sharing${rest}$`);

function role(value: unknown) {
  if (!isRole(value))
    throw new HttpError(400, "invalid_role", "Role must be editor, runner or viewer");
  return value;
}

const str = (value: unknown, what: string, max = 200) => {
  if (typeof value !== "string" || value.length === 0 || value.length > max)
    throw new HttpError(400, "bad_request", `${what} is missing`);
  return value;
};

export function sharingRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: experiment(),
      handle: async (ctx) => ok(await getSharing(signedIn(ctx), ctx.params.id)),
    },
    {
      method: "POST",
      path: experiment("/members"),
      async handle({ me, params, req }) {
        const body = await readJson(req);
        return ok(
          await invite(
            signedIn({ me }),
            params.id,
            str(body.username, "username"),
            role(body.role),
          ),
          201,
        );
      },
    },
    {
      method: "DELETE",
      path: experiment(`/members/(?<userId>${ID})`),
      async handle({ me, params }) {
        if (!(await removeMember(signedIn({ me }), params.id, params.userId)))
          throw new HttpError(404, "not_found", "Not a member");
        return noContent();
      },
    },
    {
      method: "POST",
      path: experiment("/links"),
      async handle({ me, params, req }) {
        const body = await readJson(req);
        return ok(await createLink(signedIn({ me }), params.id, role(body.role)), 201);
      },
    },
    {
      method: "DELETE",
      path: experiment(`/links/(?<linkId>${ID})`),
      async handle({ me, params }) {
        await revokeLink(signedIn({ me }), params.id, params.linkId);
        return noContent();
      },
    },
    {
      method: "PUT",
      path: experiment("/visibility"),
      async handle({ me, params, req }) {
        const { visibility } = await readJson(req);
        if (!isVisibility(visibility))
          throw new HttpError(
            400,
            "invalid_visibility",
            "Visibility must be public, unlisted or private",
          );
        await changeVisibility(signedIn({ me }), params.id, visibility);
        return noContent();
      },
    },
    {
      method: "POST",
      path: /^\/api\/share\/join$/,
      async handle({ me, req }) {
        const { token } = await readJson(req);
        return ok(await joinByLink(signedIn({ me }), str(token, "token", 64)));
      },
    },
  ];
}
