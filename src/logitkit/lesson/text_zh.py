"""The lesson's text in Simplified Chinese (简体中文).

The same structure as :mod:`logitkit.lesson.text_en`: HTML paragraphs that are ``str.format``
templates over the step's numbers. Mathematics, code and the figures' labels stay as they are.
"""

from __future__ import annotations

TEXT = {
    "html_lang": "zh-CN",
    "title": "逻辑回归：一步一步推导",
    "intro": (
        "本页从似然函数出发，分八步推导逻辑回归。每一步包括一段简短的说明、对应的公式、一幅图，"
        "以及生成这幅图的代码：页面中的每个数字、每条曲线，都是在生成本页时由 logitkit "
        "自己的函数和求解器现场计算出来的。数据使用固定的随机种子，因此每次运行得到的数字都相同，"
        "只有计时会变化。",
    ),
    "docs_note": (
        "> 本页由程序生成：<code>python docs/make_lesson.py</code> 会重新运行本课程，并重写"
        "本页、英文版 docs/lesson.md 以及 docs/images/lesson/ 中的图。请修改 "
        "src/logitkit/lesson/ 中的课程，而不是本页。同一课程的单页 HTML 版本："
        "<code>logitkit lesson --out lesson.html --lang zh</code>。"
    ),
    "contents": "目录",
    "code": "生成这幅图的代码",
    "footer": (
        "由 logitkit {version} 生成：<code>logitkit lesson --out lesson.html --lang zh</code>"
        '（在 Python 中：<code>logitkit.lesson("lesson.html", lang="zh")</code>）。'
        "完整的公式推导见 logitkit 的 docs/derivation.md。"
    ),
    "steps": {
        "sigmoid": {
            "title": "Sigmoid 函数把得分读作概率",
            "text": (
                "线性得分 z = b + w·t 可以取任意实数。Sigmoid 函数 σ 把它映射到 (0, 1) 区间，"
                "因此 ŷ = σ(b + w·t) 可以解读为概率 P(y = 1 | t)。反过来看，z 就是 y = 1 的"
                "对数几率（log-odds）。",
                "数据是挑战者号事故之前的 {flights} 次航天飞机飞行：t 是发射时的气温（°F），"
                "当助推器连接处的 O 形环出现热损伤时 y = 1。logitkit 的最大似然估计为 "
                "b = {b:.4f}，w = {w:.4f}（每 °F）：气温每降低一度，损伤的几率（odds）就乘以 "
                "e<sup>−w</sup> = {odds_colder:.3f}。",
                "在 70 °F 时，模型给出 P(y = 1) = {p_70:.3f}。在 31 °F，也就是挑战者号发射"
                "当天早晨的气温，模型给出 {p_launch:.4f}：这是外推（此前最冷的一次飞行是 "
                "53 °F），但这个警告非常响亮。",
            ),
            "caption": (
                "(a) 拟合得到的 ŷ = σ(b + w·t) 与 23 次飞行（y = 1 表示有损伤）。"
                "(b) Sigmoid 函数本身：σ(0) = ½，两端分别趋于饱和的 0 和 1。"
            ),
        },
        "bernoulli": {
            "title": "一个伯努利公式同时表示两种标签",
            "text": (
                "给定 x，标签就像一枚以概率 ŷ 落在 1 的硬币。一个公式即可涵盖两种结果：指数 y "
                "和 1 − y 像开关一样选出对应的因子，y = 1 时得到 ŷ，y = 0 时得到 1 − ŷ。",
                "最冷的一次飞行（{t_cold:.0f} °F）出现了损伤（y = {y_cold}），模型赋予这个"
                "标签的概率为 {p_cold:.4f}。最热的一次（{t_warm:.0f} °F）没有损伤"
                "（y = {y_warm}），概率为 {p_warm:.4f}。用幂 ŷ<sup>y</sup>(1 − ŷ)<sup>1−y</sup> "
                "计算，与用 logitkit 的 <code>cross_entropy</code> 计算 e<sup>−L</sup>，"
                "这 23 个概率的差异不超过 {agree:.1e}。",
            ),
            "caption": (
                "每次飞行所观测到的标签的概率：有损伤的飞行（方块）取红色曲线上的 ŷ，"
                "无损伤的飞行（圆点）取蓝色曲线上的 1 − ŷ。"
            ),
        },
        "product": {
            "title": "似然是乘积，会下溢；它的对数是求和，不会",
            "text": (
                "若样本相互独立，所有观测标签同时出现的概率就是各自概率的乘积。把它看作 (b, w) "
                "的函数，就是似然函数 ℒ；最大似然估计选取使观测标签出现概率最大的 (b, w)。",
                "在 m = {rows} 行模拟数据上、在拟合得到的 (b, w) 处，用 float64 计算的乘积是 "
                "<b>{product!r}</b>：乘到第 {zero_at} 行后，它已小于最小的正双精度数 "
                "4.9·10<sup>−324</sup>，变成了精确的零。它的对数，即求和 "
                "ℓ = Σ log P(y<sub>i</sub> | x<sub>i</sub>)，等于 <b>{loglik:.4f}</b>，"
                "完全是有限值：似然等于 10<sup>{log10_likelihood:.1f}</sup>。logitkit 的 "
                "<code>log_likelihood(y, z)</code> 直接从 logit z 算出同一个数，全程不需要"
                "计算任何一个概率。",
                "对数是单调递增的，不会改变最大值点；而求和又便于求导：从这里开始，"
                "一切都用 ℓ 来做。",
            ),
            "caption": (
                "前 k 行的 P(y<sub>i</sub> | x<sub>i</sub>) 连乘（红色，对数坐标）与对数之和"
                "（蓝色）一致，直到 k = {zero_at} 时下溢为 0.0；虚线是最小的正双精度数。"
            ),
        },
        "surface": {
            "title": "对数似然曲面：对 ℓ 做梯度上升，就是对 J 做梯度下降",
            "text": (
                "在截距 b 与斜率 w 构成的平面上，ℓ(b, w) 是一座只有一个山顶的山（见等高线）。"
                "梯度上升沿着它往上爬。若写成要最小化的代价，即平均交叉熵 J = −ℓ/m，"
                "同一条路径就变成了往下走。",
                "由于 ∇J = −∇ℓ/m，对 ℓ 以步长 η/m 上升，就是对 J 以步长 η 下降。分别计算：∇ℓ = "
                "X̃<sup>T</sup>(y − ŷ) 手工计算，∇J 用 logitkit 的 <code>Objective.gradient</code>，"
                "以 η = {eta:g}（η/m = {eta_l:.3g}）走 {steps} 步，两者落在相同的点上：两条路径"
                "最多相差 {largest_gap:.1e}，只是舍入误差。ℓ 从 {loglik_start:.2f} 升到 "
                "{loglik_end:.2f}。",
            ),
            "caption": (
                "(a) {m} 行模拟数据上 ℓ(b, w) 的等高线；梯度上升的点（橙色）落在梯度下降的路径"
                "（蓝色）上。(b) 上升过程中的 ℓ 与下降过程中的 −m·J。"
            ),
        },
        "convexity": {
            "title": "用交叉熵，而不是平方误差",
            "text": (
                "为什么不像线性回归那样用最小二乘 E = ½(ŷ − y)² 来拟合 ŷ = σ(z)？经过 sigmoid "
                "之后，平方误差失去了交叉熵 L 所保有的两样东西。",
                "<em>凸性。</em>J 的 Hessian 矩阵是 X̃<sup>T</sup>diag(ŷ(1 − ŷ))X̃/m，处处半正定："
                "在 {grid_points} 个 (b, w) 网格点上，logitkit 的 <code>Objective.hessian</code> "
                "的最小特征值为 {lowest_ce:.2e} > 0。而平方误差的 Hessian 在其中 "
                "{share_not_convex:.0%} 的点上有负特征值（最低到 {lowest_se:.3f}）：E 有平台和"
                "山脊，梯度下降可能在那里停滞，也不能保证只有一个最小值。",
                "<em>梯度。</em>∂L/∂z = ŷ − y，就是误差本身。∂E/∂z 还多乘了 sigmoid 的斜率 "
                "ŷ(1 − ŷ)，而它在 σ 饱和的地方趋于零。在 z = −10、y = 1 处（一个自信但错误的"
                "预测），∂L/∂z = {grad_loss_at_minus10:.6f}，而 ∂E/∂z = "
                "{grad_squared_at_minus10:.3e}：小了 {ratio:,.0f} 倍，恰恰是在模型最需要调整的"
                "地方。",
            ),
            "caption": (
                "(a) 标签 y = 1 的单个样本的两种代价，(b) 以及它们的导数。(c) 在 (b, w) 平面上，"
                "模拟数据的平方误差代价不是凸函数的区域（红色）；交叉熵在每个点上都是凸的。"
            ),
        },
        "descents": {
            "title": "批量、随机与小批量梯度下降",
            "text": (
                "批量梯度下降（batch GD）每一步都在全部 m = {rows} 行上计算 ∇J。随机梯度下降"
                "（SGD）每看一行就走一步，方向是该行损失的梯度；小批量梯度下降（mini-batch GD）"
                "每 32 行走一步。一个 epoch 是把数据完整过一遍：batch GD 走一步，SGD 走 m 步，"
                "mini-batch 走 m/32 步。",
                "这里用的是 logitkit 的求解器 <code>gd</code>、<code>sgd</code> 和 "
                "<code>minibatch</code>，都从 logitkit 求解器的统一起点出发："
                "b = log(ȳ/(1 − ȳ))，w = 0。一个 epoch 之后，两种随机方法已接近山顶，"
                "而 batch GD 才走了一步。但它们的步子带有噪声：它们在 {epochs_sgd} 和 "
                "{epochs_minibatch} 个 epoch 后停止（5 个 epoch 内代价的相对变化小于 "
                "10<sup>−4</sup>），此时仍比最小值 J* 高 {gap_sgd:.1e} 和 {gap_minibatch:.1e}；"
                "而 batch GD 的精确步骤在 {epochs_gd} 次迭代后达到 {gap_gd:.0e}。本次运行分别用时 "
                "{seconds_sgd:.3f} s、{seconds_minibatch:.3f} s 和 {seconds_gd:.3f} s。",
                "步长很重要。在最优点附近，固定步长必须小于 2/λ<sub>max</sub>(∇²J) = "
                "{limit:.2f}。η = {eta_good:g} 时 batch GD 稳定收敛；η = {eta_big:g} 时它越过"
                "山谷来回振荡，30 步之后仍比 J* 高 {bounce_low:.2f}。logitkit 的 <code>gd</code> "
                "求解器会拒绝这个步长：<q>{refused}</q>。",
            ),
            "caption": (
                "(a) 各求解器在 ℓ 等高线上的迭代点，每个 epoch 一个点（随机方法报告的是迭代点的"
                "滑动平均）。(b) J − J* 随 epoch 的变化，(c) 随时间（秒）的变化。"
                "(d) 固定步长的 batch GD：η = {eta_good:g} 与 η = {eta_big:g}。"
            ),
        },
        "newton": {
            "title": "牛顿法（IRLS）与梯度下降",
            "text": (
                "梯度下降只用到斜率。牛顿法还用到曲率：它一步走到与 ℓ 的斜率和曲率相吻合的二次"
                "函数的顶点。把它写成加权最小二乘问题，同一步就是迭代重加权最小二乘（IRLS），"
                "也就是 R 的 <code>glm</code> 的拟合方法。",
                "从同一起点出发、达到同一容差（梯度的最大分量 ≤ {tol:.0e}），logitkit 的 "
                "<code>newton</code> 求解器需要 {iter_newton} 次迭代、{seconds_newton:.4f} s；"
                "带线搜索的 batch GD 需要 {iter_gd} 次迭代、{seconds_gd:.4f} s（本次运行）。"
                "在最优点附近，牛顿法的误差每步平方一次，而梯度下降的误差每步只按一个由山谷形状"
                "决定的固定比例缩小。牛顿法每一步的代价更高（要解一个 p × p 方程组），但 p = 2 时"
                "几乎不花时间。两者最终到达同一个 (b, w)，相差 {distance:.1e}。",
            ),
            "caption": (
                "(a) 两条路径在 ℓ 等高线上的位置。(b) 梯度最大分量随迭代次数的变化，"
                "(c) 随时间（秒）的变化；虚线为容差。"
            ),
        },
        "gaussian": {
            "title": "高斯似然给出线性回归的平方误差",
            "text": (
                "换一个分布，重复同样的构造。线性回归假设 y | x ~ Normal(b + wx, σ²)。"
                "似然仍是乘积，取对数后是求和，负对数似然等于 n/2·log(2πσ²) + SSE/(2σ²)。"
                "第一项与 (b, w) 无关：最大化似然就是最小化平方误差，也就是最小二乘。",
                "在 n = {n} 个模拟点上，取 σ = {sigma:g}，用 SciPy 的正态密度计算 −Σ log "
                "N(y<sub>i</sub>; b + wx<sub>i</sub>, σ²) 得到 {nll:.6f}，而 "
                "n/2·log(2πσ²) + SSE/(2σ²) = {constant:.4f} + {sse_term:.4f} = {formula:.6f}。"
                "数值最大化似然得到 (b, w) = ({b_mle:.5f}, {w_mle:.5f})，最小二乘得到 "
                "({b_ls:.5f}, {w_ls:.5f})。",
                "所以，平方误差属于高斯分布，正如交叉熵属于伯努利分布。两者都是采用典范连接函数的"
                "广义线性模型，梯度都是 X̃<sup>T</sup>(预测 − y) 的形式。",
            ),
            "caption": (
                "(a) 模拟数据点与最大似然直线。(b) 沿 w 方向（b 取最优值），高斯负对数似然"
                "（粗线）与 n/2·log(2πσ²) + SSE/(2σ²)（虚线）是同一条曲线。"
            ),
        },
    },
}
