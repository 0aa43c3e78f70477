"""GLSL sources of the batch renderer, generated per program variant.

One vertex shader serves every pass. It places an instance's vertex in the world, projects it
with its scene's camera, squeezes the scene's clip space into the scene's tile of the shared
framebuffer, and clips against the tile's borders with ``gl_ClipDistance`` so that no
triangle spills into a neighbour's tile.

Lighting is OpenGL's fixed-function model, which MuJoCo's classic renderer uses: emission +
global ambient + for every light attenuation · spot · (ambient + diffuse · max(n·l, 0) +
specular · max(n·h, 0)^shininess), with a local viewer, clamped to [0, 1], then multiplied by
the texture. ``shading="vertex"`` evaluates it per vertex and interpolates (Gouraud, as MuJoCo
does); ``"pixel"`` per fragment; the ``"depth"`` pass writes only depth and segment ids.

Instance data are vertex attributes with divisor 1. Scene data (camera, lights) come in one of
two ways (``scene_data``):

- ``"uniform"``: plain uniforms, set before drawing each scene's instances; the lights are
  unrolled for the scene's light kinds, so every load is a constant-index uniform load.
  Software rasterisers (llvmpipe) run this several times faster than any indexed buffer load.
- ``"storage"``: a shader storage buffer indexed by the instance's scene, so one multi-draw
  call draws every scene (the way to go on a GPU).

Per scene, ``SCENE_WIDTH`` vec4 texels (written by ``renderer._scene_row``):

======  ==================================================================
texel   contents
======  ==================================================================
0-3     view-projection matrix, by columns
4       camera position (xyz)
5       global ambient colour (rgb), number of lights (w)
6+6i    light i: position, kind (0 directional, 1 point, 2 spot)
7+6i    direction (unit, where the light shines), cos(spot cutoff)
8+6i    ambient colour, spot exponent
9+6i    diffuse colour
10+6i   specular colour
11+6i   attenuation (constant, linear, quadratic)
======  ==================================================================
"""

from __future__ import annotations

from typing import Literal

SCENE_TEXELS_FIXED = 6
TEXELS_PER_LIGHT = 6
MAX_LIGHTS = 8
SCENE_WIDTH = SCENE_TEXELS_FIXED + TEXELS_PER_LIGHT * MAX_LIGHTS
DIRECTIONAL, POINT, SPOT = 0, 1, 2
Pass = Literal["vertex", "pixel", "depth"]
SceneData = Literal["uniform", "storage"]

# instance attributes: name, components, type
INSTANCE_ATTRIBUTES = (
    ("i_m0", 4, "f"), ("i_m1", 4, "f"), ("i_m2", 4, "f"),  # rows of [R*S | t]
    ("i_n0", 4, "f"), ("i_n1", 4, "f"), ("i_n2", 3, "f"),  # rows of R*S^-1; w: texture offset
    ("i_rgba", 4, "f"), ("i_mat", 4, "f"),  # specular, shininess exponent, emission, -
    ("i_trep", 3, "f"),  # texture repeat
    ("i_ids", 4, "i"),  # scene, segment, texture layer, mapping (0 none, 1 uv, 2 planar,
)                       # 3 cube; +16 sRGB)
VERTEX_ATTRIBUTES = (("in_pos", 3, "f"), ("in_nrm", 3, "f"), ("in_uv", 2, "f"))

_SCENE_UNIFORM = f"""
uniform vec4 u_scene[{SCENE_WIDTH}];
vec4 scene_texel(int s, int i) {{ return u_scene[i]; }}
"""

_SCENE_STORAGE = f"""
layout(std430, binding = 0) readonly buffer Scenes {{ vec4 scene_data[]; }};
vec4 scene_texel(int s, int i) {{ return scene_data[s * {SCENE_WIDTH} + i]; }}
"""

_LIGHT_FUNCTIONS = """
float power(float x, float e) { return e > 0.0 ? pow(max(x, 0.0), e) : 1.0; }

// one light's contribution; t: its first texel; kind: DIRECTIONAL, POINT or SPOT
vec3 light(int s, int t, int kind, vec3 p, vec3 n, vec3 eye, vec3 base, vec4 mat) {
    vec4 dir = scene_texel(s, t + 1);
    vec4 amb = scene_texel(s, t + 2);
    vec3 l = -dir.xyz;
    float k = 1.0;
    if (kind != 0) {  // point or spot: attenuation, cone
        vec3 to_light = scene_texel(s, t).xyz - p;
        float dist = length(to_light);
        l = to_light / max(dist, 1e-12);
        vec3 att = scene_texel(s, t + 5).xyz;
        k = 1.0 / (att.x + att.y * dist + att.z * dist * dist);
        if (kind == 2) {
            float c = dot(-l, dir.xyz);
            k *= c >= dir.w ? power(c, amb.w) : 0.0;
        }
    }
    float nl = max(dot(n, l), 0.0);
    float spec = nl > 0.0 ? power(dot(n, normalize(l + eye)), mat.y) : 0.0;
    return k * (amb.rgb * base + nl * scene_texel(s, t + 3).rgb * base
                + spec * mat.x * scene_texel(s, t + 4).rgb);
}
"""


def _lighting(lights: tuple[int, ...] | None) -> str:
    """``lighting()``: the lights unrolled for fixed kinds, or a loop over any lights."""
    if lights is None:
        terms = f"""    int count = int(global.w);
    for (int i = 0; i < {MAX_LIGHTS}; i++) {{
        if (i >= count) break;
        int t = {SCENE_TEXELS_FIXED} + {TEXELS_PER_LIGHT} * i;
        color += light(s, t, int(scene_texel(s, t).w), p, n, eye, base, mat);
    }}"""
    else:
        terms = "\n".join(
            f"    color += light(s, {SCENE_TEXELS_FIXED + TEXELS_PER_LIGHT * i}, {kind}, p, n, "
            "eye, base, mat);" for i, kind in enumerate(lights))
    return _LIGHT_FUNCTIONS + f"""
vec4 lighting(int s, vec3 p, vec3 n, vec4 rgba, vec4 mat) {{
    vec3 eye = normalize(scene_texel(s, 4).xyz - p);
    vec4 global = scene_texel(s, 5);
    vec3 base = rgba.rgb;
    vec3 color = mat.z * base + global.rgb * base;
{terms}
    return vec4(clamp(color, 0.0, 1.0), rgba.a);
}}
"""


_VERTEX_MAIN = """
uniform ivec2 u_grid;  // tile columns, rows
invariant gl_Position;  // bit-identical depth in every pass (depth pre-pass, then shading)

out vec3 v_tex;
out float v_depth;
flat out ivec3 v_ids;  // segment, layer, mapping
#if defined(VERTEX_LIGHTING)
out vec4 v_color;
#elif defined(PIXEL_LIGHTING)
out vec3 v_world;
out vec3 v_normal;
flat out vec4 v_rgba;
flat out vec4 v_mat;
flat out int v_scene;
#endif

void main() {
    int s = i_ids.x;
    vec4 local = vec4(in_pos, 1.0);
    vec3 world = vec3(dot(i_m0, local), dot(i_m1, local), dot(i_m2, local));
    mat4 view_proj = mat4(scene_texel(s, 0), scene_texel(s, 1), scene_texel(s, 2),
                          scene_texel(s, 3));
    vec4 clip = view_proj * vec4(world, 1.0);
    // this scene's tile: column s % cols, row s / cols from the top
    vec2 cell = 1.0 / vec2(u_grid);
    vec2 tile = vec2(s % u_grid.x, u_grid.y - 1 - s / u_grid.x);
    gl_Position = vec4((clip.xy + clip.w) * cell + clip.w * (2.0 * tile * cell - 1.0),
                       clip.z, clip.w);
    gl_ClipDistance[0] = clip.w + clip.x;
    gl_ClipDistance[1] = clip.w - clip.x;
    gl_ClipDistance[2] = clip.w + clip.y;
    gl_ClipDistance[3] = clip.w - clip.y;
    v_depth = clip.w;  // distance along the optical axis
    v_ids = i_ids.yzw;
    int mapping = i_ids.w & 15;
    v_tex = mapping == 3 ? in_pos * i_trep
          : vec3((mapping == 2 ? in_pos.xy : in_uv) * i_trep.xy + vec2(i_n0.w, i_n1.w), 0.0);
#if defined(VERTEX_LIGHTING) || defined(PIXEL_LIGHTING)
    vec3 n = vec3(dot(i_n0.xyz, in_nrm), dot(i_n1.xyz, in_nrm), dot(i_n2, in_nrm));
#endif
#if defined(VERTEX_LIGHTING)
    v_color = lighting(s, world, normalize(n), i_rgba, i_mat);
#elif defined(PIXEL_LIGHTING)
    v_world = world;
    v_normal = n;
    v_rgba = i_rgba;
    v_mat = i_mat;
    v_scene = s;
#endif
}
"""

_SHADE_MAIN = """
in vec3 v_tex;
in float v_depth;
flat in ivec3 v_ids;
#if defined(VERTEX_LIGHTING)
in vec4 v_color;
#else
in vec3 v_world;
in vec3 v_normal;
flat in vec4 v_rgba;
flat in vec4 v_mat;
flat in int v_scene;
#endif

uniform sampler2DArray u_textures;  // repeating, for 2D textures
uniform sampler2DArray u_cube;      // the same layers clamped to their edges, for cube faces

layout(location = 0) out vec4 f_color;
layout(location = 1) out float f_depth;
layout(location = 2) out int f_segment;

// OpenGL's cube-map face selection: the face's s, t and major axes (sc = S.r, tc = T.r,
// ma = M.r); the caller divides and takes derivatives on that one face, as GL does
mat3 cube_face(vec3 r, out float face) {
    vec3 a = abs(r);
    if (a.x >= a.y && a.x >= a.z) {
        face = r.x > 0.0 ? 0.0 : 1.0;
        float sx = r.x > 0.0 ? 1.0 : -1.0;
        return mat3(vec3(0.0, 0.0, -sx), vec3(0.0, -1.0, 0.0), vec3(sx, 0.0, 0.0));
    }
    if (a.y >= a.z) {
        face = r.y > 0.0 ? 2.0 : 3.0;
        float sy = r.y > 0.0 ? 1.0 : -1.0;
        return mat3(vec3(1.0, 0.0, 0.0), vec3(0.0, 0.0, sy), vec3(0.0, sy, 0.0));
    }
    face = r.z > 0.0 ? 4.0 : 5.0;
    float sz = r.z > 0.0 ? 1.0 : -1.0;
    return mat3(vec3(sz, 0.0, 0.0), vec3(0.0, -1.0, 0.0), vec3(0.0, 0.0, sz));
}

vec2 face_st(mat3 f, vec3 r) { return 0.5 * vec2(dot(f[0], r), dot(f[1], r)) / dot(f[2], r) + 0.5; }

vec2 face_grad(mat3 f, vec3 r, vec3 dr) {
    float ma = dot(f[2], r);
    vec2 sc = vec2(dot(f[0], r), dot(f[1], r));
    return 0.5 * (vec2(dot(f[0], dr), dot(f[1], dr)) * ma - sc * dot(f[2], dr)) / (ma * ma);
}

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

vec4 texel() {
    int mapping = v_ids.z & 15;
#ifdef CUBE_TEXTURES
    if (mapping == 3) {  // a cube texture: six layers
        float face;
        mat3 f = cube_face(v_tex, face);
        vec4 c = textureGrad(u_cube, vec3(face_st(f, v_tex), float(v_ids.y) + face),
                             face_grad(f, v_tex, dFdx(v_tex)), face_grad(f, v_tex, dFdy(v_tex)));
#ifdef SRGB_TEXTURES
        if ((v_ids.z & 16) != 0) c.rgb = srgb_to_linear(c.rgb);
#endif
        return c;
    }
#endif
    // branch-free: a software rasteriser pays for every branch
    vec4 c = texture(u_textures, vec3(v_tex.xy, float(max(v_ids.y, 0))));
#ifdef SRGB_TEXTURES
    if ((v_ids.z & 16) != 0) c.rgb = srgb_to_linear(c.rgb);
#endif
    return mapping == 0 ? vec4(1.0) : c;
}

void main() {
#if defined(VERTEX_LIGHTING)
    vec4 color = v_color;
#else
    vec4 color = lighting(v_scene, v_world, normalize(v_normal), v_rgba, v_mat);
#endif
    f_color = color * texel();
    f_depth = v_depth;
    f_segment = v_ids.x;
}
"""

_DEPTH_MAIN = """
in vec3 v_tex;
in float v_depth;
flat in ivec3 v_ids;

layout(location = 0) out float f_depth;
layout(location = 1) out int f_segment;

void main() {
    f_depth = v_depth;
    f_segment = v_ids.x;
}
"""


def _inputs(attrs: tuple[tuple[str, int, str], ...]) -> str:
    types = {("f", 1): "float", ("i", 1): "int"}
    return "".join(
        f"in {types.get((t, n), ('vec' if t == 'f' else 'ivec') + str(n))} {name};\n"
        for name, n, t in attrs)


CUBE_TEXTURES, SRGB_TEXTURES = 1, 2  # feature bits: code compiled in only when used


def program(stage: Pass, scene_data: SceneData, lights: tuple[int, ...] | None,
            features: int = 0) -> tuple[str, str]:
    """Vertex and fragment source of one program variant.

    ``lights`` are the kinds of the scene's lights (``"uniform"`` scene data), or ``None``
    for any lights (``"storage"``); ``features`` the texture kinds the scenes use.
    """
    defines = {"vertex": ["VERTEX_LIGHTING"], "pixel": ["PIXEL_LIGHTING"], "depth": []}[stage]
    defines += [name for bit, name in ((CUBE_TEXTURES, "CUBE_TEXTURES"),
                                       (SRGB_TEXTURES, "SRGB_TEXTURES")) if features & bit]
    head = "#version 430\n" + "".join(f"#define {d}\n" for d in defines)
    scene = _SCENE_UNIFORM if scene_data == "uniform" else _SCENE_STORAGE
    lighting = _lighting(lights)
    vertex = (head + scene + _inputs(VERTEX_ATTRIBUTES + INSTANCE_ATTRIBUTES)
              + (lighting if stage == "vertex" else "") + _VERTEX_MAIN)
    fragment = head + (scene + lighting + _SHADE_MAIN if stage == "pixel" else
                       _SHADE_MAIN if stage == "vertex" else _DEPTH_MAIN)
    return vertex, fragment
