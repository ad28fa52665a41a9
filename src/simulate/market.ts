import type { KnownLeadChannel } from '../model/lead.js';

/**
 * The market a simulated lead stream is drawn from: channel mix, geography (regions → cities →
 * industrial parks), industries and their needs. Two profiles ship, one per preset:
 * `zhikong` (杭州智控, industrial automation, East-China heavy, ~12,000 leads/month of mostly
 * online channels) and `hengrui` (恒锐机械 of 台州, auto parts; website, trade-show and referral
 * heavy, ~1,280 leads/month).
 *
 * Weights are relative (they need not sum to 1); the shipped ones are percentages.
 *
 * @example
 * ```ts
 * import { MARKET_PROFILES } from 'leadflow';
 * const profile = MARKET_PROFILES.zhikong;
 * profile.channels.find(([channel]) => channel === 'douyin_live'); // ['douyin_live', 14]
 * ```
 * @category Simulation
 */
export interface MarketProfile {
  readonly name: string;
  /** Channel mix in business hours on an ordinary working day (trade-show share rises after a show). */
  readonly channels: readonly (readonly [KnownLeadChannel, number])[];
  /** Region weights (keys of {@link CHINA_GEOGRAPHY}). */
  readonly regions: readonly (readonly [string, number])[];
  /** Industry weights. */
  readonly industries: readonly (readonly [string, number])[];
  /** Typical leads per month of the company the profile describes. */
  readonly typicalLeadsPerMonth: number;
}

/**
 * A city of {@link CHINA_GEOGRAPHY}: its weight within the region, the administrative division code
 * (positions 3–8 of a USCC), the share of leads coming from an industrial park and those parks.
 *
 * @example
 * ```ts
 * import type { SimulatedCity } from 'leadflow';
 * const suzhou: SimulatedCity = { city: '苏州', weight: 45, division: '320500', parkShare: 0.7, parks: [['苏州工业园区', 55]] };
 * ```
 * @category Simulation
 */
export interface SimulatedCity {
  readonly city: string;
  readonly weight: number;
  readonly division: string;
  readonly parkShare: number;
  readonly parks: readonly (readonly [string, number])[];
}

/**
 * Regions (province-level names, as the presets' rules and reps use them) with their cities and
 * industrial parks.
 *
 * @example
 * ```ts
 * import { CHINA_GEOGRAPHY } from 'leadflow';
 * CHINA_GEOGRAPHY['江苏']?.[0]?.parks[0]; // ['苏州工业园区', 55]
 * ```
 * @category Simulation
 */
export const CHINA_GEOGRAPHY: Readonly<Record<string, readonly SimulatedCity[]>> = {
  江苏: [
    {
      city: '苏州',
      weight: 45,
      division: '320500',
      parkShare: 0.7,
      parks: [
        ['苏州工业园区', 55],
        ['苏州高新区', 20],
        ['昆山经济技术开发区', 15],
        ['张家港保税区', 10],
      ],
    },
    {
      city: '无锡',
      weight: 20,
      division: '320200',
      parkShare: 0.5,
      parks: [
        ['无锡高新区', 70],
        ['锡山经济技术开发区', 30],
      ],
    },
    { city: '南京', weight: 15, division: '320100', parkShare: 0.4, parks: [['江宁经济技术开发区', 100]] },
    { city: '常州', weight: 12, division: '320400', parkShare: 0.4, parks: [['武进国家高新区', 100]] },
    { city: '南通', weight: 8, division: '320600', parkShare: 0.3, parks: [['南通经济技术开发区', 100]] },
  ],
  浙江: [
    {
      city: '杭州',
      weight: 38,
      division: '330100',
      parkShare: 0.5,
      parks: [
        ['杭州经济技术开发区', 50],
        ['杭州高新区(滨江)', 35],
        ['余杭经济技术开发区', 15],
      ],
    },
    {
      city: '宁波',
      weight: 24,
      division: '330200',
      parkShare: 0.5,
      parks: [
        ['宁波经济技术开发区', 60],
        ['杭州湾新区', 40],
      ],
    },
    { city: '台州', weight: 12, division: '331000', parkShare: 0.4, parks: [['台州湾新区', 100]] },
    { city: '嘉兴', weight: 10, division: '330400', parkShare: 0.4, parks: [['嘉兴经济技术开发区', 100]] },
    { city: '温州', weight: 9, division: '330300', parkShare: 0.3, parks: [['温州经济技术开发区', 100]] },
    { city: '绍兴', weight: 7, division: '330600', parkShare: 0.3, parks: [['柯桥经济技术开发区', 100]] },
  ],
  上海: [
    {
      city: '上海',
      weight: 100,
      division: '310000',
      parkShare: 0.6,
      parks: [
        ['张江高科技园区', 25],
        ['嘉定工业区', 25],
        ['松江工业区', 20],
        ['临港新片区', 15],
        ['上海化学工业区', 15],
      ],
    },
  ],
  安徽: [
    {
      city: '合肥',
      weight: 65,
      division: '340100',
      parkShare: 0.5,
      parks: [
        ['合肥高新区', 60],
        ['合肥经济技术开发区', 40],
      ],
    },
    { city: '芜湖', weight: 35, division: '340200', parkShare: 0.4, parks: [['芜湖经济技术开发区', 100]] },
  ],
  广东: [
    {
      city: '深圳',
      weight: 40,
      division: '440300',
      parkShare: 0.4,
      parks: [
        ['深圳高新区', 60],
        ['宝安工业园', 40],
      ],
    },
    { city: '东莞', weight: 25, division: '441900', parkShare: 0.5, parks: [['松山湖高新区', 100]] },
    { city: '广州', weight: 22, division: '440100', parkShare: 0.4, parks: [['广州开发区(黄埔)', 100]] },
    { city: '佛山', weight: 13, division: '440600', parkShare: 0.3, parks: [['佛山高新区', 100]] },
  ],
  山东: [
    { city: '青岛', weight: 45, division: '370200', parkShare: 0.4, parks: [['青岛经济技术开发区', 100]] },
    { city: '济南', weight: 35, division: '370100', parkShare: 0.3, parks: [['济南高新区', 100]] },
    { city: '烟台', weight: 20, division: '370600', parkShare: 0.3, parks: [['烟台经济技术开发区', 100]] },
  ],
  福建: [
    { city: '厦门', weight: 55, division: '350200', parkShare: 0.4, parks: [['厦门火炬高新区', 100]] },
    { city: '福州', weight: 45, division: '350100', parkShare: 0.3, parks: [['福州经济技术开发区', 100]] },
  ],
  湖北: [
    {
      city: '武汉',
      weight: 75,
      division: '420100',
      parkShare: 0.5,
      parks: [
        ['武汉经济技术开发区(车谷)', 60],
        ['东湖高新区', 40],
      ],
    },
    { city: '襄阳', weight: 25, division: '420600', parkShare: 0.3, parks: [['襄阳高新区', 100]] },
  ],
  北京: [
    {
      city: '北京',
      weight: 100,
      division: '110000',
      parkShare: 0.5,
      parks: [['北京经济技术开发区(亦庄)', 100]],
    },
  ],
  天津: [
    {
      city: '天津',
      weight: 100,
      division: '120000',
      parkShare: 0.5,
      parks: [['天津经济技术开发区(泰达)', 100]],
    },
  ],
  河北: [
    { city: '保定', weight: 50, division: '130600', parkShare: 0.3, parks: [['保定高新区', 100]] },
    { city: '石家庄', weight: 50, division: '130100', parkShare: 0.3, parks: [['石家庄高新区', 100]] },
  ],
  四川: [{ city: '成都', weight: 100, division: '510100', parkShare: 0.4, parks: [['成都高新区', 100]] }],
  河南: [
    { city: '郑州', weight: 100, division: '410100', parkShare: 0.4, parks: [['郑州经济技术开发区', 100]] },
  ],
};

/**
 * The two shipped market profiles, keyed by preset name.
 *
 * @example
 * ```ts
 * import { MARKET_PROFILES } from 'leadflow';
 * MARKET_PROFILES.hengrui.typicalLeadsPerMonth; // 1280
 * ```
 * @category Simulation
 */
export const MARKET_PROFILES: Readonly<Record<'zhikong' | 'hengrui', MarketProfile>> = {
  zhikong: {
    name: '杭州智控科技 (工业自动化)',
    typicalLeadsPerMonth: 12_000,
    channels: [
      ['website_form', 26],
      ['wechat_mp', 17],
      ['douyin_live', 14],
      ['hotline_400', 11],
      ['trade_show', 7],
      ['referral', 7],
      ['whitepaper_download', 12],
      ['api', 6],
    ],
    regions: [
      ['江苏', 24],
      ['浙江', 22],
      ['上海', 16],
      ['广东', 9],
      ['山东', 7],
      ['安徽', 6],
      ['福建', 4],
      ['湖北', 4],
      ['北京', 2],
      ['天津', 2],
      ['河北', 2],
      ['四川', 1],
      ['河南', 1],
    ],
    industries: [
      ['汽车零部件', 22],
      ['机械制造', 20],
      ['电子制造', 16],
      ['新能源', 12],
      ['化工', 8],
      ['食品饮料', 7],
      ['教育', 5],
      ['医药', 4],
      ['纺织', 3],
      ['物流仓储', 3],
    ],
  },
  hengrui: {
    name: '恒锐机械 (汽车精密零部件)',
    typicalLeadsPerMonth: 1_280,
    channels: [
      ['website_form', 30],
      ['trade_show', 18],
      ['referral', 18],
      ['wechat_mp', 12],
      ['api', 9],
      ['hotline_400', 7],
      ['whitepaper_download', 4],
      ['douyin_live', 2],
    ],
    regions: [
      ['浙江', 30],
      ['江苏', 20],
      ['上海', 10],
      ['广东', 10],
      ['山东', 7],
      ['湖北', 6],
      ['福建', 4],
      ['安徽', 3],
      ['河北', 3],
      ['天津', 3],
      ['北京', 2],
      ['四川', 1],
      ['河南', 1],
    ],
    industries: [
      ['汽车零部件', 40],
      ['新能源汽车', 12],
      ['工程机械', 10],
      ['机械制造', 10],
      ['摩托车配件', 8],
      ['家电', 8],
      ['农机', 6],
      ['电子制造', 6],
    ],
  },
};

/** Two-character brand words of company names (字号), with a pinyin for e-mail domains. */
const BRANDS: readonly (readonly [string, string])[] = [
  ['精工', 'jinggong'],
  ['恒通', 'hengtong'],
  ['华泰', 'huatai'],
  ['鼎盛', 'dingsheng'],
  ['瑞丰', 'ruifeng'],
  ['博远', 'boyuan'],
  ['天成', 'tiancheng'],
  ['宏达', 'hongda'],
  ['卓越', 'zhuoyue'],
  ['信达', 'xinda'],
  ['永盛', 'yongsheng'],
  ['金桥', 'jinqiao'],
  ['汇川', 'huichuan'],
  ['东方', 'dongfang'],
  ['新宇', 'xinyu'],
  ['海诚', 'haicheng'],
  ['德润', 'derun'],
  ['中科', 'zhongke'],
  ['明辉', 'minghui'],
  ['盛隆', 'shenglong'],
  ['凯达', 'kaida'],
  ['锐捷', 'ruijie'],
  ['启明', 'qiming'],
  ['远航', 'yuanhang'],
  ['嘉诚', 'jiacheng'],
  ['富强', 'fuqiang'],
  ['同创', 'tongchuang'],
  ['长盈', 'changying'],
  ['万向', 'wanxiang'],
  ['正泰', 'zhengtai'],
  ['安信', 'anxin'],
  ['立讯', 'lixun'],
  ['科瑞', 'kerui'],
  ['力源', 'liyuan'],
  ['兴业', 'xingye'],
  ['恒瑞', 'hengrui'],
  ['联合', 'lianhe'],
  ['众成', 'zhongcheng'],
  ['华新', 'huaxin'],
  ['亚通', 'yatong'],
];

/** Company-name suffixes per industry (the default list serves any other industry). */
const COMPANY_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  汽车零部件: ['汽车部件有限公司', '精密机械有限公司', '汽配制造有限公司'],
  新能源汽车: ['新能源汽车科技有限公司', '动力系统有限公司'],
  摩托车配件: ['摩托车配件有限公司', '机车部件有限公司'],
  机械制造: ['机械制造有限公司', '重工股份有限公司', '装备制造有限公司'],
  工程机械: ['工程机械有限公司', '重型装备有限公司'],
  电子制造: ['电子科技有限公司', '电子股份有限公司', '微电子有限公司'],
  新能源: ['新能源科技有限公司', '光伏科技有限公司', '储能技术有限公司'],
  化工: ['化工有限公司', '新材料股份有限公司'],
  食品饮料: ['食品有限公司', '饮料股份有限公司'],
  教育: ['职业技术学院', '教育科技有限公司', '技师学院'],
  医药: ['制药有限公司', '生物医药有限公司'],
  纺织: ['纺织有限公司', '印染有限公司'],
  物流仓储: ['智能物流有限公司', '供应链管理有限公司'],
  家电: ['电器有限公司', '家电制造有限公司'],
  农机: ['农业机械有限公司', '农机装备有限公司'],
  default: ['科技有限公司', '实业有限公司'],
};

/** Stated needs per industry (≥ 6 characters: an explicit need under the valid-lead contract). */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  汽车零部件: [
    '冲压线自动化改造，需要机器人上下料方案',
    '焊装车间视觉检测设备选型，预计下季度采购',
    '现有产线PLC控制柜升级，求报价',
    '需要MES对接的装配线数据采集方案',
  ],
  新能源汽车: ['电池包装配线自动化方案咨询', '电驱测试台架采购，需要技术交流'],
  摩托车配件: ['压铸件去毛刺自动化工作站询价', '需要小批量多品种柔性产线方案'],
  机械制造: [
    '数控机床联网及设备监控方案',
    '老旧设备PLC改造，控制系统国产化替代',
    '需要AGV物流与立体仓库整体方案',
  ],
  工程机械: ['结构件焊接机器人工作站询价', '大型结构件视觉定位方案'],
  电子制造: ['SMT产线AOI检测设备选型', '需要洁净车间环境监控系统', '贴片后段自动化包装线报价'],
  新能源: ['光伏组件产线视觉检测方案', '储能柜装配线自动化改造，月底前出方案'],
  化工: ['DCS系统改造及防爆仪表选型', '需要危化品仓储安全监控方案'],
  食品饮料: ['灌装线伺服改造及追溯系统', '需要包装线码垛机器人方案'],
  教育: ['实训室工业机器人教学平台采购', '智能制造实训基地建设方案咨询'],
  医药: ['GMP车间环境监控与数据完整性方案', '包装线视觉检测与追溯系统询价'],
  纺织: ['印染车间能耗监测方案', '纺纱设备联网改造咨询'],
  物流仓储: ['智能分拣线方案及报价', '立体库WMS与输送线一体化方案'],
  家电: ['总装线拧紧与检测自动化方案', '注塑车间MES对接方案'],
  农机: ['焊装与涂装线自动化改造咨询', '农机部件机加工自动上下料方案'],
  default: ['产线自动化改造方案咨询', '需要工业传感器选型建议'],
};

/** Vague needs (shorter than 6 characters: not an explicit need). */
const VAGUE_NEEDS: readonly string[] = ['询价', '了解一下', '看看', '', '价格?'];

/** Titles of contacts. */
const CONTACT_TITLES: readonly string[] = [
  '采购经理',
  '设备部经理',
  '生产总监',
  '技术负责人',
  '总经理',
  '自动化工程师',
  '厂长',
  '项目经理',
];

/** Common surnames (百家姓, roughly by frequency). */
const SURNAMES: readonly string[] = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '高',
  '罗',
];

/** How a contact is addressed after the surname. */
const HONORIFICS: readonly string[] = ['经理', '总', '工', '主任', '先生', '女士'];

/** Downloadable assets (whitepapers, case studies). */
const ASSETS: readonly string[] = [
  '工业传感器选型白皮书.pdf',
  '热管理仿真报告.pdf',
  'PLC控制柜方案手册.pdf',
  '视觉检测案例集.pdf',
  '智能工厂建设指南.pdf',
];

/** Pages a prospect views before leaving details. */
const PAGES: readonly string[] = [
  '/products/sensors',
  '/products/plc',
  '/solutions/auto-parts',
  '/solutions/vision-inspection',
  '/cases',
  '/pricing',
  '/about',
];

/** The title each page shows (what a rep reads in the behaviour snapshot). */
const PAGE_TITLES: Readonly<Record<string, string>> = {
  '/products/sensors': '工业传感器参数页',
  '/products/plc': 'PLC 控制器参数页',
  '/solutions/auto-parts': '汽车零部件行业方案',
  '/solutions/vision-inspection': '视觉检测方案',
  '/cases': '客户案例',
  '/pricing': '价格与服务',
  '/about': '关于我们',
};

/** Trade shows a company of the profiles exhibits at (name, city). */
const TRADE_SHOWS: readonly (readonly [string, string])[] = [
  ['中国国际工业博览会', '上海'],
  ['亚洲国际动力传动与控制技术展览会(PTC)', '上海'],
  ['华南国际工业博览会', '深圳'],
  ['中国(北京)国际机床展览会(CIMT)', '北京'],
  ['长三角国际汽车零部件博览会', '杭州'],
  ['中国国际工业自动化展(SIAF)', '广州'],
  ['青岛国际机床展', '青岛'],
];

/** Douyin live-stream sessions and WeChat campaigns (the `campaign` field). */
const CAMPAIGNS: Readonly<Partial<Record<KnownLeadChannel, readonly string[]>>> = {
  douyin_live: ['直播间: 产线自动化专场', '直播间: 视觉检测实测', '直播间: 工程师答疑夜'],
  wechat_mp: ['公众号: 智能工厂案例推文', '公众号: 白皮书领取', '公众号: 线上研讨会报名'],
  whitepaper_download: ['官网: 白皮书下载'],
  api: ['合作伙伴线索接口'],
};

/**
 * The word tables generated leads are made of: brand words (字号) with their pinyin for e-mail
 * domains, company-name suffixes and stated needs per industry, vague needs (not an explicit
 * need), contact titles, surnames and honorifics, downloadable assets, pages, trade shows and
 * live-stream / WeChat campaigns.
 *
 * @example
 * ```ts
 * import { MARKET_VOCABULARY } from 'leadflow';
 * MARKET_VOCABULARY.tradeShows[0]; // ['中国国际工业博览会', '上海']
 * MARKET_VOCABULARY.needs['汽车零部件']?.[0]; // '冲压线自动化改造，需要机器人上下料方案'
 * ```
 * @category Simulation
 */
export const MARKET_VOCABULARY = {
  brands: BRANDS,
  companySuffixes: COMPANY_SUFFIXES,
  needs: NEEDS,
  vagueNeeds: VAGUE_NEEDS,
  contactTitles: CONTACT_TITLES,
  surnames: SURNAMES,
  honorifics: HONORIFICS,
  assets: ASSETS,
  pages: PAGES,
  pageTitles: PAGE_TITLES,
  tradeShows: TRADE_SHOWS,
  campaigns: CAMPAIGNS,
} as const;
